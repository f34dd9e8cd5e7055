// --encryption-provider-config-automatic-reload end to end: a real `a-kube up` (no node) is given an invalid file,
// which it logs and counts while it keeps encrypting with the configuration in use, then a rotated file, which it
// puts in use without a restart (the file is checked each minute, so this test waits up to two checks).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startCluster, kubectl, hasKubectl, type Cluster, ok } from './harness.js';

const skip = hasKubectl ? false : 'kubectl is not installed';
const work = mkdtempSync(join(tmpdir(), 'akube-e2e-enc-reload-'));
const configFile = join(work, 'encryption.yaml');
const dataDir = join(work, 'data');
let cluster: Cluster;

const provider = (kind: string, name: string, secret: string) => `      - ${kind}:\n          keys:\n            - name: ${name}\n              secret: ${secret}\n`;
const key1 = provider('aescbc', 'key1', randomBytes(32).toString('base64'));
const key2 = provider('aesgcm', 'key2', randomBytes(32).toString('base64'));
function writeConfig(providers: string): void {
  writeFileSync(configFile, `apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n    providers:\n${providers}`);
}

before(async () => {
  if (skip) return;
  writeConfig(key1);
  cluster = await startCluster({ dataDir, args: ['--runtime', 'none', '--encryption-provider-config', configFile, '--encryption-provider-config-automatic-reload=true'] });
});

after(async () => {
  await cluster?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

function stored(name: string): string {
  const db = new Database(join(dataDir, 'state.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT value FROM kine WHERE name = ? ORDER BY id DESC LIMIT 1').get(`/registry/core/secrets/default/${name}`) as { value: string } | undefined;
    return row?.value ?? '';
  } finally {
    db.close();
  }
}

function reloads(status: 'success' | 'failure'): number {
  const text = ok(kubectl(cluster, ['get', '--raw', '/metrics']), 'metrics');
  const m = new RegExp(`^apiserver_encryption_config_controller_automatic_reloads_total\\{status="${status}"\\} (\\d+)$`, 'm').exec(text);
  return Number(m?.[1] ?? 0);
}

async function until(what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 150_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${cluster.log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

test('an invalid file keeps the configuration in use; a rotated file is used without a restart', { skip, timeout: 400_000 }, async () => {
  ok(kubectl(cluster, ['create', 'secret', 'generic', 's1', '--from-literal=k=one']), 's1');
  assert.match(stored('s1'), /^k8s:enc:aescbc:v1:key1:/);

  writeConfig(provider('aesgcm', 'short', Buffer.alloc(5).toString('base64')));
  await until('a failed reload', () => reloads('failure') >= 1);
  assert.match(cluster.log(), /encryption config reload failed, the configuration in use stays: .*secret is not of the expected length, got 5/);
  ok(kubectl(cluster, ['create', 'secret', 'generic', 's2', '--from-literal=k=two']), 's2');
  assert.match(stored('s2'), /^k8s:enc:aescbc:v1:key1:/);
  assert.equal(ok(kubectl(cluster, ['get', '--raw', '/readyz']), 'readyz'), 'ok');

  writeConfig(key2 + key1);
  await until('a successful reload', () => reloads('success') >= 1);
  ok(kubectl(cluster, ['create', 'secret', 'generic', 's3', '--from-literal=k=three']), 's3');
  assert.match(stored('s3'), /^k8s:enc:aesgcm:v1:key2:/);
  assert.equal(Buffer.from(ok(kubectl(cluster, ['get', 'secret', 's1', '-o', 'jsonpath={.data.k}']), 'get s1'), 'base64').toString(), 'one');
  assert.match(cluster.log(), /encryption config reloaded from /);
});
