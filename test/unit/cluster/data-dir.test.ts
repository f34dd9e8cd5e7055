// The data directory: one server per directory (a lock naming the pid, stale locks taken over), owner-only modes,
// and a refused start when a cluster's certificates have lost their database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDatabase, DataDirError, lockDataDir, lockFileName, securePermissions, takeDataDir } from '../../../src/cluster/data-dir.js';

function withDir(fn: (dir: string) => void | Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akube-datadir-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('a second lock on the same data dir is refused with the holder named; release frees it', withDir((dir) => {
  const lock = lockDataDir(dir);
  assert.equal(readFileSync(join(dir, lockFileName), 'utf8').split(' ')[0]?.trim(), String(process.pid));
  assert.equal(statSync(join(dir, lockFileName)).mode & 0o777, 0o600);
  assert.throws(() => lockDataDir(dir), (e: unknown) => e instanceof DataDirError && e.message === `the data directory ${dir} is in use by another a-kube (pid ${process.pid}); stop it first, or give this one another --data-dir`);
  lock.release();
  assert.equal(existsSync(join(dir, lockFileName)), false);
  lockDataDir(dir).release();
}));

test('API servers on one etcd share the data dir; other storage, an exclusive holder and SQLite are refused', withDir((dir) => {
  const first = lockDataDir(dir, { shared: 'etcd /registry' });
  assert.equal(first.joined, false);
  const second = lockDataDir(dir, { shared: 'etcd /registry' });
  assert.equal(second.joined, true);
  assert.throws(() => lockDataDir(dir, { shared: 'etcd /other' }), (e: unknown) => e instanceof DataDirError && e.message.includes('on other storage (etcd /registry); API servers that share a data dir must share one etcd'));
  assert.throws(
    () => lockDataDir(dir, { refusalHint: 'SQLite has one writer' }),
    (e: unknown) => e instanceof DataDirError && e.message === `the data directory ${dir} is in use by another a-kube (pid ${process.pid}); stop it first, or give this one another --data-dir. SQLite has one writer`,
  );
  // The first one leaving does not free the dir while the second runs.
  first.release();
  assert.throws(() => lockDataDir(dir), DataDirError);
  second.release();
  assert.equal(existsSync(join(dir, lockFileName)), false);
  const exclusive = lockDataDir(dir);
  assert.throws(() => lockDataDir(dir, { shared: 'etcd /registry' }), DataDirError);
  exclusive.release();
}));

test('shared holders that are gone are dropped from the lock', withDir((dir) => {
  writeFileSync(join(dir, lockFileName), `${deadPid()} 1 shared etcd%20%2Fregistry\n`);
  const lock = lockDataDir(dir);
  assert.equal(lock.joined, false);
  assert.equal(readFileSync(join(dir, lockFileName), 'utf8').split('\n').filter(Boolean).length, 1);
  lock.release();
}));

test('a lock left by a process that is gone is taken over', withDir((dir) => {
  writeFileSync(join(dir, lockFileName), `${deadPid()}\n`);
  const lock = lockDataDir(dir);
  assert.match(readFileSync(join(dir, lockFileName), 'utf8'), new RegExp(`^${process.pid}\\b`));
  lock.release();
}));

test('a lock whose pid now belongs to another process (a different start time) is stale', withDir((dir) => {
  writeFileSync(join(dir, lockFileName), `${process.pid} 1\n`); // our pid, but not our start time
  const lock = lockDataDir(dir);
  lock.release();
}));

test('a garbled lock file is stale', withDir((dir) => {
  writeFileSync(join(dir, lockFileName), 'not a pid');
  lockDataDir(dir).release();
}));

test('certificates without a database refuse to start; --reset-state starts and moves an old database aside', withDir((dir) => {
  mkdirSync(join(dir, 'pki'));
  writeFileSync(join(dir, 'pki', 'ca.crt'), 'x');
  assert.throws(() => checkDatabase(dir, { resetState: false }), (e: unknown) => e instanceof DataDirError && e.message.includes('holds a cluster\'s certificates (pki/) but no database (state.db)') && e.message.includes('--reset-state'));
  // the refusal does not keep the lock
  assert.throws(() => takeDataDir(dir, { sqlite: true, resetState: false }), DataDirError);
  assert.equal(existsSync(join(dir, lockFileName)), false);
  // memory storage has no database to lose
  takeDataDir(dir, { sqlite: false, resetState: false }).release();
  assert.deepEqual(checkDatabase(dir, { resetState: true }), {});
  writeFileSync(join(dir, 'state.db'), 'old');
  writeFileSync(join(dir, 'state.db-wal'), 'wal');
  assert.deepEqual(checkDatabase(dir, { resetState: false }), {});
  const now = () => new Date('2026-01-02T03:04:05.678Z');
  const { movedAside } = checkDatabase(dir, { resetState: true, now });
  assert.equal(movedAside, join(dir, 'state.db.reset-2026-01-02T03-04-05-678Z'));
  assert.equal(readFileSync(join(dir, 'state.db.reset-2026-01-02T03-04-05-678Z'), 'utf8'), 'old');
  assert.equal(readFileSync(join(dir, 'state.db.reset-2026-01-02T03-04-05-678Z-wal'), 'utf8'), 'wal');
  assert.equal(existsSync(join(dir, 'state.db')), false);
  assert.equal(existsSync(join(dir, 'state.db-wal')), false);
}));

test('owner-only modes on the data dir, pki/ and their files; other subdirectories keep theirs', withDir((dir) => {
  const data = join(dir, 'data');
  mkdirSync(join(data, 'pki'), { recursive: true, mode: 0o755 });
  mkdirSync(join(data, 'pods'), { mode: 0o755 });
  writeFileSync(join(data, 'state.db'), '', { mode: 0o644 });
  writeFileSync(join(data, 'admin.kubeconfig'), '', { mode: 0o644 });
  writeFileSync(join(data, 'pki', 'ca.key'), '', { mode: 0o644 });
  writeFileSync(join(data, 'pods', 'volume-file'), '', { mode: 0o644 });
  securePermissions(data);
  const mode = (p: string) => statSync(join(data, p)).mode & 0o777;
  assert.equal(mode('.'), 0o700);
  assert.equal(mode('pki'), 0o700);
  assert.equal(mode('state.db'), 0o600);
  assert.equal(mode('admin.kubeconfig'), 0o600);
  assert.equal(mode('pki/ca.key'), 0o600);
  assert.equal(mode('pods'), 0o755);
  assert.equal(mode('pods/volume-file'), 0o644);
}));
