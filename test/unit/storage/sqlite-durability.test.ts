import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openSqliteStorage } from '../../../src/storage/sqlite.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../../..');

test('every create acknowledged before kill -9 is found after reopening', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a-kube-durable-'));
  const path = join(dir, 'store.db');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures/sqlite-writer.ts'), path], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked: string[] = [];
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        // Record the ack first, then kill at once: the child may be in the middle of the next write.
        if (line.startsWith('acked ')) acked.push(line.slice('acked '.length));
        if (acked.length === 50) child.kill('SIGKILL');
      }
    });
    assert.equal(await exited, 'SIGKILL');
    assert.ok(acked.length >= 50);

    const reopened = openSqliteStorage(path);
    try {
      for (const key of acked) assert.ok(await reopened.get(key), `acknowledged ${key} is missing after kill -9`);
      const { kvs, revision } = await reopened.range('/durable/');
      assert.ok(kvs.length >= acked.length);
      assert.equal(revision, kvs.length);
    } finally {
      await reopened.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
