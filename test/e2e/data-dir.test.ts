// The data directory with real `a-kube up` processes: a second server on the same directory is refused, files and
// directories are owner-only, a lost database is not silently replaced, and /readyz probes storage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { entry, hasKubectl, kubectl, repoRoot, startCluster, type Cluster } from './harness.js';

let cluster: Cluster;

before(async () => {
  cluster = await startCluster({ args: ['--runtime', 'none'], timeoutMs: 90_000 });
});
after(async () => {
  await cluster?.cleanup();
});

/** Runs `a-kube up` on the cluster's data dir, expecting it to refuse (it must exit on its own). */
function upAgain(args: string[] = []): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [...entry('a-kube'), 'up', '--data-dir', cluster.dataDir, '--port', '0', '--runtime', 'none', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, HOME: cluster.dataDir },
  });
  return { status: r.status, stderr: r.stderr };
}

test('a second a-kube up on the same data dir is refused with the running one named', () => {
  const r = upAgain();
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`the data directory ${cluster.dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by another a-kube \\(pid ${cluster.process.pid}\\)`));
});

test('the data dir, pki/ and the files in them are owner-only', () => {
  const mode = (p: string) => statSync(join(cluster.dataDir, p)).mode & 0o777;
  assert.equal(mode('.'), 0o700);
  assert.equal(mode('pki'), 0o700);
  for (const f of ['state.db', 'admin.kubeconfig', 'a-kube.lock', 'identity']) assert.equal(mode(f), 0o600, f);
  for (const f of readdirSync(join(cluster.dataDir, 'pki'))) assert.equal(mode(`pki/${f}`), 0o600, f);
});

test('/readyz lists the storage probe', { skip: hasKubectl ? false : 'kubectl is not on the PATH' }, () => {
  const r = kubectl(cluster, ['get', '--raw', '/readyz?verbose']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\[\+\]etcd ok/);
});

test('after a stop the lock is gone; certificates without state.db refuse to start until --reset-state', async () => {
  await cluster.stop();
  assert.equal(readdirSync(cluster.dataDir).includes('a-kube.lock'), false);
  for (const f of ['state.db', 'state.db-wal', 'state.db-shm']) {
    try {
      renameSync(join(cluster.dataDir, f), join(cluster.dataDir, `${f}.lost`));
    } catch {
      // -wal/-shm may not exist after a clean close
    }
  }
  const r = upAgain();
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /holds a cluster's certificates \(pki\/\) but no database \(state\.db\).*--reset-state/);
  await startCluster({ dataDir: cluster.dataDir, args: ['--runtime', 'none', '--reset-state'], timeoutMs: 90_000 }).then((c) => c.cleanup());
});
