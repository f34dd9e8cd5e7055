// The storage readiness check: a real probe, failed on an error or when it does not answer in time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageHealthCheck } from '../../../src/apiserver/storage-health.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { openSqliteStorage } from '../../../src/storage/sqlite.js';
import type { Storage } from '../../../src/storage/types.js';

test('the SQLite probe writes and reads without making a revision', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-probe-'));
  try {
    const s = openSqliteStorage(join(dir, 'state.db'));
    await s.create('/a', 'x');
    const before = await s.currentRevision();
    await storageHealthCheck(s).check();
    await storageHealthCheck(s).check();
    assert.equal(await s.currentRevision(), before);
    await s.close();
    await assert.rejects(storageHealthCheck(s).check());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a probe that fails or hangs fails the check; concurrent checks share one probe', async () => {
  const base = createMemoryStorage();
  let probes = 0;
  let release = () => {};
  const hanging: Storage = Object.assign(Object.create(base) as Storage, {
    probe: () => {
      probes++;
      return new Promise<void>((resolve) => (release = resolve));
    },
  });
  const check = storageHealthCheck(hanging, 50);
  const both = Promise.allSettled([check.check(), check.check()]);
  const results = await both;
  assert.equal(probes, 1);
  for (const r of results) assert.equal(r.status, 'rejected');
  assert.match(String((results[0] as PromiseRejectedResult).reason), /storage did not answer within 50 ms/);
  release();
  const failing: Storage = Object.assign(Object.create(base) as Storage, { probe: () => Promise.reject(new Error('disk I/O error')) });
  await assert.rejects(storageHealthCheck(failing).check(), /disk I\/O error/);
  await base.close();
});

/** A store of `count` objects in dir/state.db, closed (its WAL checkpointed into the file), then damaged mid-file. */
async function damagedDatabase(dir: string, count: number): Promise<string> {
  const path = join(dir, 'state.db');
  const s = openSqliteStorage(path);
  for (let i = 0; i < count; i++) await s.create(`/registry/configmaps/default/cm-${String(i).padStart(4, '0')}`, 'v'.repeat(1500));
  await storageHealthCheck(s).check();
  await s.close();
  assert.equal(existsSync(`${path}-wal`), false, 'closing the last connection checkpoints and removes the WAL');
  const pageSize = 4096;
  const pages = Math.floor(statSync(path).size / pageSize);
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.alloc(4 * pageSize, 0xa5), 0, 4 * pageSize, Math.floor(pages / 2) * pageSize);
  } finally {
    closeSync(fd);
  }
  return path;
}

test('a damaged SQLite page seen by any read fails the probe from then on, saying what to do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-corrupt-'));
  try {
    const s = openSqliteStorage(await damagedDatabase(dir, 400));
    try {
      await assert.rejects(s.range('/registry/configmaps/'), (e: Error & { code?: string }) => /^SQLITE_CORRUPT/.test(e.code ?? ''));
      const advice = /state\.db is damaged \(SQLITE_CORRUPT.*a-kube storage backup.*--reset-state/;
      const check = storageHealthCheck(s);
      await assert.rejects(check.check(), advice);
      await assert.rejects(check.check(), advice);
    } finally {
      await s.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the probe's bounded sweep through the log finds a damaged page no request has read", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-corrupt-'));
  try {
    const s = openSqliteStorage(await damagedDatabase(dir, 400));
    try {
      const check = storageHealthCheck(s);
      // 256 rows a probe: two probes cover 400 rows.
      const results = [await check.check().then(() => 'ok', String), await check.check().then(() => 'ok', String)];
      assert.ok(results.some((r) => /is damaged \(SQLITE_CORRUPT/.test(r)), results.join('; '));
      await assert.rejects(check.check(), /is damaged/);
    } finally {
      await s.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
