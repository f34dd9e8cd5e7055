import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeconfigError, kubeconfigChain, loadKubeconfig, parseTimeout, resolveConfig } from '../../../src/client/kubeconfig.js';
import { NoSuchContextError, setContext, useContext } from '../../../src/client/kubeconfig-write.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'akube-kubeconfig-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const first = `# the admin config
apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster:
    server: https://127.0.0.1:1111
    certificate-authority: ca.crt
contexts:
- name: ctx1
  context:
    cluster: c1
    user: u1
    namespace: ns-a
users:
- name: u1
  user:
    token: tok-1
current-context: ctx1
`;

const second = `apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster:
    server: https://shadowed:2222
- name: c2
  cluster:
    server: https://127.0.0.1:3333
    insecure-skip-tls-verify: true
contexts:
- name: ctx2
  context:
    cluster: c2
    user: u2
users:
- name: u2
  user:
    username: admin
    password: secret
current-context: ctx2
`;

test('$KUBECONFIG merges files, first one wins per key; relative paths resolve against the file', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a'), first);
  writeFileSync(join(dir, 'b'), second);
  writeFileSync(join(dir, 'ca.crt'), 'PEM');
  const kc = await loadKubeconfig({ env: { KUBECONFIG: `${join(dir, 'a')}:${join(dir, 'missing')}:${join(dir, 'b')}` } });
  assert.equal(kc.currentContext, 'ctx1');
  assert.equal(kc.clusters.get('c1')?.value.server, 'https://127.0.0.1:1111');
  assert.equal(kc.clusters.get('c1')?.value['certificate-authority'], 'ca.crt', 'kept as written (config view shows it so)');
  assert.deepEqual([...kc.contexts.keys()], ['ctx1', 'ctx2']);

  const r = resolveConfig(kc);
  assert.equal(r.client.server, 'https://127.0.0.1:1111');
  assert.equal(r.client.caData?.toString(), 'PEM');
  assert.equal(r.client.token, 'tok-1');
  assert.equal(r.namespace, 'ns-a');
  assert.equal(r.namespaceExplicit, false);

  const other = resolveConfig(kc, { context: 'ctx2', namespace: 'x', as: 'jane', asGroups: ['g1', 'g2'], requestTimeout: '2m' });
  assert.equal(other.client.server, 'https://127.0.0.1:3333');
  assert.equal(other.client.insecureSkipTLSVerify, true);
  assert.equal(other.client.username, 'admin');
  assert.equal(other.client.password, 'secret');
  assert.deepEqual(other.client.impersonate, { user: 'jane', groups: ['g1', 'g2'] });
  assert.equal(other.client.timeoutMs, 120_000);
  assert.equal(other.namespace, 'x');
  assert.equal(other.namespaceExplicit, true);
});

test('--kubeconfig reads only that file; a missing one is an error', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'b'), second);
  const kc = await loadKubeconfig({ explicitPath: join(dir, 'b'), env: { KUBECONFIG: '/nonexistent' } });
  assert.equal(kc.currentContext, 'ctx2');
  await assert.rejects(loadKubeconfig({ explicitPath: join(dir, 'nope') }), /stat .*nope: no such file or directory/);
});

test('without flag or $KUBECONFIG: the a-kube admin file, then ~/.kube/config', async (t) => {
  const home = tempDir(t);
  assert.deepEqual(kubeconfigChain({ env: {}, home }).files, [join(home, '.a-kube', 'admin.kubeconfig'), join(home, '.kube', 'config')]);
  mkdirSync(join(home, '.kube'));
  writeFileSync(join(home, '.kube', 'config'), second);
  const kc = await loadKubeconfig({ env: {}, home });
  assert.equal(kc.currentContext, 'ctx2');
  const none = await loadKubeconfig({ env: {}, home: join(home, 'empty') });
  assert.equal(resolveConfig(none).client.server, 'http://localhost:8080');
});

test('flag overrides and kubectl’s errors for unknown names', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a'), first);
  writeFileSync(join(dir, 'ca.crt'), 'PEM');
  const kc = await loadKubeconfig({ explicitPath: join(dir, 'a') });
  const r = resolveConfig(kc, { server: 'https://10.0.0.1:6443', token: 'over', insecureSkipTLSVerify: true });
  assert.equal(r.client.server, 'https://10.0.0.1:6443');
  assert.equal(r.client.token, 'over');
  assert.equal(r.client.caData, undefined);
  assert.throws(() => resolveConfig(kc, { context: 'nope' }), (e: unknown) => e instanceof KubeconfigError && e.message === 'context was not found for specified context: nope');
  assert.throws(() => resolveConfig(kc, { user: 'nope' }), /auth info "nope" does not exist/);
  assert.throws(() => resolveConfig(kc, { cluster: 'nope' }), /no server found for cluster "nope"/);
});

test('parseTimeout', () => {
  assert.equal(parseTimeout('30'), 30_000);
  assert.equal(parseTimeout('1m30s'), 90_000);
  assert.equal(parseTimeout('500ms'), 500);
  assert.throws(() => parseTimeout('soon'), /Invalid timeout value/);
});

test('use-context and set-context --namespace change only their keys and keep comments', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'a');
  writeFileSync(file, first.replace('current-context: ctx1', 'current-context: ctx1\nextra: kept'));
  let kc = await loadKubeconfig({ explicitPath: file });
  assert.equal(await setContext(kc, 'ctx1', { namespace: 'ns-b' }), 'modified');
  assert.equal(await setContext(kc, 'fresh', { cluster: 'c1', user: 'u1' }), 'created');
  kc = await loadKubeconfig({ explicitPath: file });
  await useContext(kc, 'fresh');
  await assert.rejects(useContext(kc, 'nope'), (e: unknown) => e instanceof NoSuchContextError && e.message === 'no context exists with the name: "nope"');
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^# the admin config/);
  assert.match(text, /extra: kept/);
  assert.match(text, /current-context: fresh/);
  const after = await loadKubeconfig({ explicitPath: file });
  assert.equal(after.contexts.get('ctx1')?.value.namespace, 'ns-b');
  assert.equal(after.contexts.get('fresh')?.value.cluster, 'c1');
  assert.equal(after.users.get('u1')?.value.token, 'tok-1');
});
