// Encryption at rest through a KMS v2 plugin, end to end: `a-kube up --encryption-provider-config` naming a plugin
// (the test's own, on a unix socket in a temporary directory), driven by the real kubectl 1.32. Secrets read back,
// the database holds only `k8s:enc:kms:v2:` values sealed from one seed (one Encrypt for many writes), /readyz
// lists `kms-providers`, and an unhealthy plugin turns that check red. kubectl runs without blocking this process,
// whose plugin must answer a-kube meanwhile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeEncryptedObject, DekSourceType } from '../../src/storage/encryption/kms/encrypted-object.js';
import { TestPlugin } from '../support/kms-plugin.js';
import { startCluster, kubectlAsync, hasKubectl, type Cluster, ok } from './harness.js';

const skip = hasKubectl ? false : 'kubectl is not installed';
const work = mkdtempSync(join(tmpdir(), 'akube-e2e-kms-'));
const dataDir = join(work, 'data');
const socket = join(work, 'kms.sock');
const prefix = 'k8s:enc:kms:v2:e2e-kms:';
const plugin = new TestPlugin();
let cluster: Cluster;

before(async () => {
  if (!hasKubectl) return;
  await plugin.listen(socket);
  const config = join(work, 'encryption.yaml');
  writeFileSync(
    config,
    `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources: [secrets]
    providers:
      - kms: {apiVersion: v2, name: e2e-kms, endpoint: "unix://${socket}", timeout: 3s}
      - identity: {}
`,
  );
  cluster = await startCluster({ dataDir, args: ['--runtime', 'none', '--encryption-provider-config', config] });
});

after(async () => {
  await cluster?.cleanup();
  plugin.stop();
  rmSync(work, { recursive: true, force: true });
});

function storedSecret(key: string): string | undefined {
  const db = new Database(join(dataDir, 'state.db'), { readonly: true });
  try {
    const row = db.prepare('SELECT value FROM kine WHERE name = ? AND deleted = 0 ORDER BY id DESC LIMIT 1').get(key) as { value: string } | undefined;
    return row?.value;
  } finally {
    db.close();
  }
}

test('secrets written through kubectl are sealed from one seed the plugin encrypted, and read back', { skip }, async () => {
  const encryptsAtStart = plugin.calls.Encrypt;
  ok(await kubectlAsync(cluster, ['create', 'namespace', 'kms']), 'create ns');
  for (const name of ['one', 'two', 'three']) {
    ok(await kubectlAsync(cluster, ['create', 'secret', 'generic', name, '-n', 'kms', `--from-literal=password=kms-e2e-${name}-5b1e`]), `create secret ${name}`);
  }
  for (const name of ['one', 'two', 'three']) {
    const b64 = ok(await kubectlAsync(cluster, ['get', 'secret', name, '-n', 'kms', '-o', 'jsonpath={.data.password}']), `get ${name}`);
    assert.equal(Buffer.from(b64, 'base64').toString(), `kms-e2e-${name}-5b1e`);
  }
  assert.ok(plugin.calls.Encrypt - encryptsAtStart <= 1, `${plugin.calls.Encrypt - encryptsAtStart} Encrypt calls for three secrets`);
  const seeds = new Set<string>();
  for (const name of ['one', 'two', 'three']) {
    const value = storedSecret(`/registry/core/secrets/kms/${name}`);
    if (!value?.startsWith(prefix)) assert.fail(`stored as ${value?.slice(0, 40)}`);
    assert.ok(!value.includes('kms-e2e-'));
    const o = decodeEncryptedObject(Buffer.from(value.slice(prefix.length), 'base64'));
    assert.equal(o.dekSourceType, DekSourceType.hkdfSha256XnonceAesGcmSeed);
    assert.equal(o.keyId, 'kek-1');
    seeds.add(o.encryptedDek.toString('base64'));
  }
  assert.equal(seeds.size, 1, 'one seed for the three writes');
});

test('/readyz lists kms-providers; an unhealthy plugin turns it red within the check\'s 20 s reuse', { skip }, async () => {
  const ready = ok(await kubectlAsync(cluster, ['get', '--raw', '/readyz?verbose']), 'readyz');
  assert.match(ready, /\[\+\]kms-providers ok/);
  plugin.healthz = 'kek unreachable';
  try {
    const deadline = Date.now() + 40_000;
    let last = '';
    for (;;) {
      const r = await kubectlAsync(cluster, ['get', '--raw', '/livez/kms-providers']);
      last = `${r.status} ${r.stdout}${r.stderr}`;
      if (r.status !== 0) break;
      assert.ok(Date.now() < deadline, `the check stayed green: ${last}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    assert.match(last, /kms-providers failed: reason withheld/);
  } finally {
    plugin.healthz = 'ok';
  }
});
