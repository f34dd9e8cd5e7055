// admin.kubeconfig of API servers sharing a data dir: a server that joins adds its URL to the a-kube.io/servers
// extension (once), `a-kube up --ha` puts its balancer first, writers in several processes at once lose nothing,
// and a file that is not a kubeconfig is left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { editKubeconfigServers, writeAdminKubeconfig } from '../../../src/cluster/admin-kubeconfig.js';
import { loadKubeconfig, resolveConfig } from '../../../src/client/kubeconfig.js';

const pair = { cert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', key: '-----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----\n' };

function withKubeconfig(fn: (path: string, dir: string) => void | Promise<void>) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akube-adminkc-'));
    try {
      const path = join(dir, 'admin.kubeconfig');
      writeAdminKubeconfig(path, { server: 'https://127.0.0.1:6443', caCert: pair.cert, client: pair });
      await fn(path, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

async function servers(path: string): Promise<string[]> {
  const c = resolveConfig(await loadKubeconfig({ explicitPath: path, env: {} })).client;
  return [c.server, ...(c.fallbackServers ?? [])];
}

test('a joining server is listed once; the first server is never listed twice', withKubeconfig(async (path, dir) => {
  assert.deepEqual(editKubeconfigServers(path, { add: ['https://127.0.0.1:6444'] }), { kind: 'changed', servers: ['https://127.0.0.1:6443', 'https://127.0.0.1:6444'] });
  assert.deepEqual(editKubeconfigServers(path, { add: ['https://127.0.0.1:6444'] }).kind, 'unchanged');
  assert.deepEqual(editKubeconfigServers(path, { add: ['https://127.0.0.1:6443'] }).kind, 'unchanged');
  editKubeconfigServers(path, { add: ['https://127.0.0.1:6445'] });
  assert.deepEqual(await servers(path), ['https://127.0.0.1:6443', 'https://127.0.0.1:6444', 'https://127.0.0.1:6445']);
  // the credentials and the rest of the file are untouched; no temporary file is left behind
  const c = resolveConfig(await loadKubeconfig({ explicitPath: path, env: {} })).client;
  assert.equal(c.caData?.toString(), pair.cert);
  assert.equal(c.certData?.toString(), pair.cert);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir).sort(), ['admin.kubeconfig']);
}));

test('a new primary (a balancer) goes first and the server it replaces heads the list', withKubeconfig(async (path) => {
  editKubeconfigServers(path, { add: ['https://127.0.0.1:6444'] });
  const r = editKubeconfigServers(path, { primary: 'https://127.0.0.1:6440', add: ['https://127.0.0.1:6444', 'https://127.0.0.1:6445'] });
  assert.deepEqual(r, { kind: 'changed', servers: ['https://127.0.0.1:6440', 'https://127.0.0.1:6443', 'https://127.0.0.1:6444', 'https://127.0.0.1:6445'] });
  assert.deepEqual(await servers(path), ['https://127.0.0.1:6440', 'https://127.0.0.1:6443', 'https://127.0.0.1:6444', 'https://127.0.0.1:6445']);
  // a server starting alone writes the file afresh, with itself only
  writeAdminKubeconfig(path, { server: 'https://127.0.0.1:6443', caCert: pair.cert, client: pair });
  assert.deepEqual(await servers(path), ['https://127.0.0.1:6443']);
}));

test('a file that is not a kubeconfig with a current cluster is left as it is', withKubeconfig((path) => {
  for (const text of ['{ not: [yaml', 'apiVersion: v1\nkind: Config\nclusters: []\n', 'apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters:\n- name: a\n  cluster: {server: "https://a", extensions: 7}\n- name: b\n  cluster: {server: "https://b"}\ncontexts:\n- name: x\n  context: {cluster: a, user: u}\n']) {
    writeFileSync(path, text);
    const r = editKubeconfigServers(path, { add: ['https://127.0.0.1:6444'] });
    assert.equal(r.kind, 'refused', text);
    assert.equal(readFileSync(path, 'utf8'), text);
  }
  const missing = editKubeconfigServers(`${path}.gone`, { add: ['https://x'] });
  assert.equal(missing.kind, 'refused');
}));

test('the list stops at the most a client reads (16 servers)', withKubeconfig((path) => {
  for (let i = 1; i <= 16; i++) assert.equal(editKubeconfigServers(path, { add: [`https://127.0.0.1:${7000 + i}`] }).kind, 'changed');
  const before = readFileSync(path, 'utf8');
  const r = editKubeconfigServers(path, { add: ['https://127.0.0.1:8000'] });
  assert.equal(r.kind, 'refused');
  assert.equal(readFileSync(path, 'utf8'), before);
}));

test('servers joining at once in several processes are all listed', withKubeconfig(async (path) => {
  const module = fileURLToPath(new URL('../../../src/cluster/admin-kubeconfig.ts', import.meta.url));
  const script = `const { editKubeconfigServers } = await import(${JSON.stringify(module)}); for (let i = 0; i < 5; i++) editKubeconfigServers(process.argv[1], { add: ['https://127.0.0.1:' + (9000 + Number(process.argv[2]) * 10 + i)] });`;
  const runs = [0, 1, 2].map(
    (n) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, path, String(n)], { stdio: ['ignore', 'ignore', 'inherit'] });
        child.once('exit', resolve);
      }),
  );
  assert.deepEqual(await Promise.all(runs), [0, 0, 0]);
  const listed = await servers(path);
  assert.equal(listed.length, 16);
  for (let n = 0; n < 3; n++) for (let i = 0; i < 5; i++) assert.ok(listed.includes(`https://127.0.0.1:${9000 + n * 10 + i}`), `${9000 + n * 10 + i} missing`);
}));
