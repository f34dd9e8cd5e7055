// a-kube storage migrate/backup/restore: the copy logic on real stores (SQLite files, an etcd started here),
// and the command itself run as a user would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openEtcdStorage } from '../../../src/storage/etcd/store.js';
import { migrate, readAll } from '../../../src/storage/migrate.js';
import { openSqliteStorage } from '../../../src/storage/sqlite.js';
import { etcdMissing, startEtcd, type RunningEtcd } from '../../support/etcd.js';

const missing = etcdMissing();
const skip = missing && process.env['CI'] !== 'true' ? `skipped: ${missing}` : false;
const repo = join(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'a-kube-migrate-'));
let etcd: RunningEtcd | undefined;
let prefixes = 0;

before(async () => {
  if (!skip) etcd = await startEtcd();
});
after(async () => {
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function obj(kind: string, name: string, uid: string): string {
  return JSON.stringify({ kind, apiVersion: 'v1', metadata: { name, namespace: 'ns', uid, creationTimestamp: '2026-01-02T03:04:05Z' } });
}

/** A SQLite store with objects written out of key order, one updated after the others, and one deleted. */
async function fixture(path: string): Promise<void> {
  const s = openSqliteStorage(path);
  await s.create('/registry/core/pods/ns/b', obj('Pod', 'b', 'uid-b'));
  const a = await s.create('/registry/core/pods/ns/a', obj('Pod', 'a', 'uid-a'));
  await s.create('/registry/apps/deployments/ns/d', obj('Deployment', 'd', 'uid-d'));
  await s.create('/registry/core/configmaps/ns/gone', obj('ConfigMap', 'gone', 'uid-gone'));
  await s.delete('/registry/core/configmaps/ns/gone');
  await s.update('/registry/core/pods/ns/a', obj('Pod', 'a', 'uid-a').replace('"v1"', '"v1" '), a);
  await s.close();
}

function akube(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'src/cmd/a-kube.ts'), ...args], { encoding: 'utf8', cwd: repo, timeout: 120_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('storage migrate', { skip, timeout: 400_000 }, () => {
  test('SQLite to etcd: same values (UIDs, timestamps), revisions in the old order, no deleted objects; a non-empty target is refused unless force', async () => {
    const path = join(dir, 'source.db');
    await fixture(path);
    const source = openSqliteStorage(path);
    const prefix = `/m${++prefixes}`;
    const target = openEtcdStorage({ endpoints: (etcd as RunningEtcd).endpoints, prefix, log: () => undefined });
    try {
      const report = await migrate(source, target);
      assert.equal(report.total, 3);
      assert.deepEqual([...report.perResource].sort(), [['apps/deployments', 1], ['core/pods', 2]]);
      const before = (await readAll(source)).kvs.sort((x, y) => x.modRevision - y.modRevision);
      const copied = (await readAll(target)).kvs.sort((x, y) => x.modRevision - y.modRevision);
      assert.deepEqual(copied.map((kv) => [kv.key, kv.value]), before.map((kv) => [kv.key, kv.value]));
      assert.deepEqual(copied.map((kv) => kv.key), ['/registry/core/pods/ns/b', '/registry/apps/deployments/ns/d', '/registry/core/pods/ns/a']);
      await assert.rejects(migrate(source, target), /already holds 3 objects.*--force/);
      await target.update('/registry/core/pods/ns/b', 'changed in the target', copied[0]?.modRevision ?? 0);
      const again = await migrate(source, target, { force: true });
      assert.equal(again.replaced, 3);
      assert.equal((await target.get('/registry/core/pods/ns/b'))?.value, obj('Pod', 'b', 'uid-b'));
    } finally {
      await source.close();
      await target.close();
    }
  });

  test('the command: migrate SQLite to etcd and back prints the counts; backup and restore of SQLite and of etcd', async () => {
    const endpoints = (etcd as RunningEtcd).endpoints.join(',');
    const path = join(dir, 'cmd.db');
    await fixture(path);
    const prefix = `/m${++prefixes}`;
    const toEtcd = akube(['storage', 'migrate', '--from', `sqlite://${path}`, '--to', `etcd://${endpoints}`, '--etcd-prefix', prefix]);
    assert.equal(toEtcd.status, 0, toEtcd.stderr);
    assert.match(toEtcd.stdout, /^migrated 3 objects \(source at revision 6\)/);
    assert.match(toEtcd.stdout, /apps\/deployments\s+1\n\s+core\/pods\s+2\n/);
    const refused = akube(['storage', 'migrate', '--from', `sqlite://${path}`, '--to', `etcd://${endpoints}`, '--etcd-prefix', prefix]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /the target already holds 3 objects .*pass --force/);
    const back = join(dir, 'back.db');
    const toSqlite = akube(['storage', 'migrate', '--from', `etcd://${endpoints}`, '--etcd-prefix', prefix, '--to', `sqlite://${back}`]);
    assert.equal(toSqlite.status, 0, toSqlite.stderr);
    const roundTrip = openSqliteStorage(back);
    assert.deepEqual(
      (await readAll(roundTrip)).kvs.map((kv) => kv.value).sort(),
      [obj('Pod', 'a', 'uid-a').replace('"v1"', '"v1" '), obj('Pod', 'b', 'uid-b'), obj('Deployment', 'd', 'uid-d')].sort(),
    );
    await roundTrip.close();

    // SQLite: an online backup while a store has the file open, then a restore over a changed file.
    const live = openSqliteStorage(path);
    const copy = join(dir, 'backup.db');
    const backup = akube(['storage', 'backup', '--storage', `sqlite://${path}`, '--to', copy]);
    assert.equal(backup.status, 0, backup.stderr);
    await live.create('/registry/core/pods/ns/after-backup', '{}');
    await live.close();
    const over = akube(['storage', 'restore', '--from', copy, '--storage', `sqlite://${path}`]);
    assert.equal(over.status, 1);
    assert.match(over.stderr, /exists: pass --force/);
    const restored = akube(['storage', 'restore', '--from', copy, '--storage', `sqlite://${path}`, '--force']);
    assert.equal(restored.status, 0, restored.stderr);
    const check = openSqliteStorage(path);
    assert.equal(await check.get('/registry/core/pods/ns/after-backup'), undefined);
    assert.equal((await readAll(check)).kvs.length, 3);
    await check.close();
    assert.ok(existsSync(`${path}.before-restore`));

    // etcd: a snapshot through the Maintenance API, restored by etcdctl into a new data dir that a new etcd serves.
    const snapshot = join(dir, 'etcd.snapshot');
    const snap = akube(['storage', 'backup', '--storage', `etcd://${endpoints}`, '--to', snapshot]);
    assert.equal(snap.status, 0, snap.stderr);
    const restoredDir = join(dir, 'restored-etcd');
    const fromSnap = akube(['storage', 'restore', '--from', snapshot, '--etcd-data-dir', restoredDir, '--etcd-name', 'm0']);
    assert.equal(fromSnap.status, 0, fromSnap.stderr);
    const second = await startEtcd({ dataDir: restoredDir });
    const reread = openEtcdStorage({ endpoints: second.endpoints, prefix, log: () => undefined });
    try {
      assert.equal((await readAll(reread)).kvs.length, 3);
    } finally {
      await reread.close();
      await second.stop();
    }
  });
});
