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

/**
 * Runs a writer fixture until it has acknowledged `acks` creates, kills it with SIGKILL at once (it may be in
 * the middle of its next commit), and returns the acknowledged lines (without "acked ").
 */
async function ackedBeforeKill(fixture: string, args: readonly string[], acks: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', fixture), ...args], {
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
      // Record the ack first, then kill at once.
      if (line.startsWith('acked ')) acked.push(line.slice('acked '.length));
      if (acked.length === acks) child.kill('SIGKILL');
    }
  });
  assert.equal(await exited, 'SIGKILL');
  assert.ok(acked.length >= acks);
  return acked;
}

test('every create acknowledged before kill -9 is found after reopening', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a-kube-durable-'));
  const path = join(dir, 'store.db');
  try {
    const acked = await ackedBeforeKill('sqlite-writer.ts', [path], 50);

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

test('every create acknowledged by a group commit before kill -9 is found after reopening', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'a-kube-durable-batch-'));
  const path = join(dir, 'store.db');
  try {
    const lines = await ackedBeforeKill('sqlite-batch-writer.ts', [path, '32'], 400);
    const acked = lines.map((line) => line.split(' ')[0] ?? '');
    const transactions = Math.max(...lines.map((line) => Number(line.split(' ')[1])));
    assert.ok(transactions < acked.length / 4, `the writes were batched: ${acked.length} acks in ${transactions} transactions`);

    const reopened = openSqliteStorage(path);
    try {
      for (const key of acked) assert.ok(await reopened.get(key), `acknowledged ${key} is missing after kill -9`);
      const { kvs, revision } = await reopened.range('/durable/');
      assert.ok(kvs.length >= acked.length);
      // No lost revision: a batch commits all of its writes or none.
      assert.equal(revision, kvs.length);
      assert.deepEqual(kvs.map((kv) => kv.modRevision).sort((a, b) => a - b), Array.from({ length: revision }, (_, i) => i + 1));
    } finally {
      await reopened.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
