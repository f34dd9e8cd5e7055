// Integration: the real TLS server on an ephemeral port, SQLite in a temp dir, driven by the real kubectl.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createCertificateAuthority, issueCertificate } from '../../../src/pki/certs.js';
import { startApiServer, type RunningApiServer } from '../../../src/apiserver/server.js';
import { openSqliteStorage } from '../../../src/storage/sqlite.js';
import type { Storage } from '../../../src/storage/types.js';
import { allowAll, testAuthenticator } from './helpers.js';

const run = promisify(execFile);
const haveKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
// The dispatcher (it picks its built-in 1.32 for our minor "32": protobuf bodies) plus the oldest and newest binaries.
const binaries = ['kubectl', '/usr/lib/google-cloud-sdk/bin/kubectl.1.27', '/usr/lib/google-cloud-sdk/bin/kubectl.1.33'].filter(
  (b) => spawnSync(b, ['version', '--client'], { encoding: 'utf8' }).status === 0,
);

let dir = '';
let server: RunningApiServer | undefined;
let storage: Storage | undefined;
let baseArgs: string[] = [];

before(async () => {
  if (!haveKubectl) return;
  dir = mkdtempSync(join(tmpdir(), 'akube-apiserver-'));
  const ca = await createCertificateAuthority('test-ca');
  const serving = await issueCertificate(ca, { commonName: 'apiserver', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], usage: 'server', validDays: 1 });
  writeFileSync(join(dir, 'ca.crt'), ca.cert);
  storage = openSqliteStorage(join(dir, 'state.db'));
  server = await startApiServer({ storage, tls: { cert: serving.cert, key: serving.key, clientCA: ca.cert }, authenticator: testAuthenticator, authorizer: allowAll, host: '127.0.0.1', port: 0 });
  baseArgs = ['--server', server.url, '--certificate-authority', join(dir, 'ca.crt'), '--token', 'test-token', '--cache-dir', join(dir, 'cache')];
});

after(async () => {
  await server?.close();
  await storage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const skip = haveKubectl ? false : 'kubectl is not on the PATH';

for (const [i, bin] of binaries.entries()) {
  const ns = `ns${i + 1}`;
  const label = bin.split('/').pop() ?? bin;
  async function kubectl(...args: string[]): Promise<string> {
    const { stdout } = await run(bin, [...baseArgs, ...args], { timeout: 60_000 });
    return stdout;
  }

  test(`${label}: namespaces and configmaps round-trip`, { skip }, async () => {
    assert.match(await kubectl('create', 'namespace', ns), /namespace\/ns\d+ created/);
    const yaml = await kubectl('get', 'ns', ns, '-o', 'yaml');
    assert.match(yaml, /kind: Namespace/);
    assert.match(yaml, new RegExp(`name: ${ns}`));
    assert.match(await kubectl('get', 'ns'), new RegExp(`${ns}\\s+Active`));
    assert.match(await kubectl('create', 'configmap', 'c1', '--from-literal=a=b', '-n', ns), /configmap\/c1 created/);
    assert.match(await kubectl('get', 'configmaps', '-n', ns), /c1\s+1\s+/);
    assert.match(await kubectl('patch', 'configmap', 'c1', '-n', ns, '-p', '{"data":{"x":"y"}}'), /configmap\/c1 patched/);
    assert.equal(await kubectl('get', 'configmap', 'c1', '-n', ns, '-o', 'jsonpath={.data.x}'), 'y');
    assert.match(await kubectl('label', 'configmap', 'c1', '-n', ns, 'team=a'), /configmap\/c1 labeled/);
    assert.match(await kubectl('get', 'configmaps', '-n', ns, '-l', 'team=a', '-o', 'name'), /configmap\/c1/);
    assert.match(await kubectl('delete', 'configmap', 'c1', '-n', ns), /configmap "c1" deleted/);
  });

  test(`${label}: apply -f twice`, { skip }, async () => {
    const file = join(dir, 'cm.yaml');
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: ${ns}\ndata:\n  k: v\n`);
    assert.match(await kubectl('apply', '-f', file), /configmap\/applied created/);
    assert.match(await kubectl('apply', '-f', file), /configmap\/applied unchanged/);
    writeFileSync(file, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  namespace: ${ns}\ndata:\n  k: v2\n`);
    assert.match(await kubectl('apply', '-f', file), /configmap\/applied configured/);
    assert.equal(await kubectl('get', 'configmap', 'applied', '-n', ns, '-o', 'jsonpath={.data.k}'), 'v2');
  });

  test(`${label}: get pods -w sees a new pod`, { skip }, async () => {
    const child = spawn(bin, [...baseArgs, 'get', 'pods', '-n', ns, '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const seen = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no pod in watch output: ${out} ${err}`)), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        // the whole row: kubectl may write the name and the rest of its line in separate chunks
        if (/watched-pod[^\n]*\n/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    try {
      // give kubectl time to list and start watching; the create works either way (list or watch shows it)
      await new Promise((r) => setTimeout(r, 1500));
      const created = await server!.api.dispatch({
        method: 'POST',
        url: `/api/v1/namespaces/${ns}/pods`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ metadata: { name: 'watched-pod' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }),
      });
      assert.equal(created.status, 201);
      await seen;
      assert.match(out, /watched-pod\s+0\/1\s+Pending/);
    } finally {
      child.kill();
    }
  });

  test(`${label}: delete namespace without waiting leaves it Terminating`, { skip }, async () => {
    assert.match(await kubectl('delete', 'namespace', ns, '--wait=false'), new RegExp(`namespace "${ns}" deleted`));
    assert.match(await kubectl('get', 'ns', ns), new RegExp(`${ns}\\s+Terminating`));
  });
}
