// The storage readiness check: a real probe, failed on an error or when it does not answer in time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
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
