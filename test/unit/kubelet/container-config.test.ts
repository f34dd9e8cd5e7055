// From container spec to runtime config: environment order and sources, $(VAR) expansion, service links,
// mounts, cgroup resources and the security context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { containerEnv, containerMounts, ContainerConfigError, expandVars, linuxResources, linuxSecurity, readOnlyVolumes, type EnvContext } from '../../../src/kubelet/container-config.js';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeApi } from '../controllers/fake-client.js';

const svc = (name: string, ip: string, ports: Record<string, unknown>[]): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns', uid: `uid-${name}` }, spec: { clusterIP: ip, ports } }) as KubeObject;

function ctx(podSpec: Record<string, unknown> = {}): EnvContext {
  const api = new FakeApi();
  api.seed('/api/v1/namespaces/ns/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' }, data: { MODE: 'fast', LEVEL: '3' } } as KubeObject);
  api.seed('/api/v1/namespaces/ns/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec', namespace: 'ns' }, data: { password: Buffer.from('s3cret').toString('base64') } } as KubeObject);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'ns', uid: 'u1', labels: { app: 'web' } }, spec: { nodeName: 'n1', serviceAccountName: 'sa', containers: [{ name: 'c', resources: { limits: { cpu: '500m', memory: '64Mi' } } }], ...podSpec }, status: { hostIP: '10.0.0.5' } } as KubeObject;
  return {
    client: api,
    pod,
    podIP: '10.244.0.7',
    nodeAllocatable: { cpu: 4, memory: 2 ** 33 },
    services: [svc('redis-primary', '10.96.0.20', [{ name: 'tcp', port: 6379, protocol: 'TCP' }])],
    masterService: svc('kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]),
  };
}

test('environment: service variables, envFrom, then env with valueFrom and $(VAR) references', async () => {
  const env = await containerEnv(ctx(), {
    name: 'c',
    resources: { limits: { cpu: '500m', memory: '64Mi' } },
    envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CFG_' }],
    env: [
      { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'PW', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
      { name: 'MILLI', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
      { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
      { name: 'GREETING', value: 'hi $(NAME) at $(IP), $$(NAME) stays, $(UNKNOWN) too' },
      { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'cm', key: 'absent', optional: true } } },
    ],
  });
  const m = new Map(env.map((e) => [e.key, e.value]));
  assert.equal(m.get('KUBERNETES_SERVICE_HOST'), '10.96.0.1');
  assert.equal(m.get('KUBERNETES_SERVICE_PORT'), '443');
  assert.equal(m.get('KUBERNETES_SERVICE_PORT_HTTPS'), '443');
  assert.equal(m.get('KUBERNETES_PORT_443_TCP_ADDR'), '10.96.0.1');
  assert.equal(m.get('REDIS_PRIMARY_SERVICE_HOST'), '10.96.0.20');
  assert.equal(m.get('REDIS_PRIMARY_PORT'), 'tcp://10.96.0.20:6379');
  assert.equal(m.get('CFG_MODE'), 'fast');
  assert.equal(m.get('NAME'), 'web-1');
  assert.equal(m.get('IP'), '10.244.0.7');
  assert.equal(m.get('APP'), 'web');
  assert.equal(m.get('PW'), 's3cret');
  assert.equal(m.get('MILLI'), '500');
  assert.equal(m.get('MEM_MI'), '64');
  assert.equal(m.get('GREETING'), 'hi web-1 at 10.244.0.7, $(NAME) stays, $(UNKNOWN) too');
  assert.equal(m.has('OPT'), false);
});

test('enableServiceLinks: false keeps only the kubernetes Service variables', async () => {
  const env = await containerEnv(ctx({ enableServiceLinks: false }), { name: 'c' });
  const keys = env.map((e) => e.key);
  assert.ok(keys.includes('KUBERNETES_SERVICE_HOST'));
  assert.ok(!keys.some((k) => k.startsWith('REDIS_')));
});

test('missing configMap keys and secrets are CreateContainerConfigError with the kubelet\'s wording', async () => {
  await assert.rejects(containerEnv(ctx(), { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'nope' } } }] }), (e: unknown) => e instanceof ContainerConfigError && e.message === "couldn't find key nope in ConfigMap ns/cm");
  await assert.rejects(containerEnv(ctx(), { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }] }), /secret "gone" not found/);
  await assert.rejects(containerEnv(ctx(), { envFrom: [{ secretRef: { name: 'gone' } }] }), /secret "gone" not found/);
});

test('expandVars', () => {
  const vars = new Map([['A', 'x']]);
  assert.equal(expandVars('$(A)$(A)', vars), 'xx');
  assert.equal(expandVars('$$(A)', vars), '$(A)');
  assert.equal(expandVars('$(A', vars), '$(A');
  assert.equal(expandVars('tail$', vars), 'tail$');
});

test('mounts from set-up volumes; an unknown volume or an escaping subPath is refused', () => {
  const vols = new Map([['data', '/var/lib/x/data']]);
  assert.deepEqual(containerMounts({ name: 'c', volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }, { name: 'data', mountPath: '/sub', subPath: 'a/b' }] }, vols), [
    { containerPath: '/data', hostPath: '/var/lib/x/data', readonly: true },
    { containerPath: '/sub', hostPath: '/var/lib/x/data/a/b', readonly: false },
  ]);
  assert.throws(() => containerMounts({ name: 'c', volumeMounts: [{ name: 'other', mountPath: '/o' }] }, vols), /cannot find volume "other"/);
  assert.throws(() => containerMounts({ name: 'c', volumeMounts: [{ name: 'data', mountPath: '/o', subPath: '../../etc' }] }, vols), /invalid subPath/);
});

test('resources become cgroup settings: shares from requests, quota from limits, memory limit in bytes', () => {
  assert.deepEqual(linuxResources({ resources: { requests: { cpu: '250m' }, limits: { cpu: '1', memory: '128Mi' } } }), { cpu_shares: '256', cpu_period: '100000', cpu_quota: '100000', memory_limit_in_bytes: String(128 * 2 ** 20) });
  assert.deepEqual(linuxResources({}), { cpu_shares: '2' });
});

test('security context: container fields over the pod\'s, capabilities, read-only root, namespaces', () => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000 }, shareProcessNamespace: true } } as KubeObject;
  const sc = linuxSecurity(pod, { securityContext: { runAsUser: 2000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } } });
  assert.deepEqual(sc.run_as_user, { value: '2000' });
  assert.deepEqual(sc.run_as_group, { value: '3000' });
  assert.equal(sc.readonly_rootfs, true);
  assert.equal(sc.no_new_privs, true);
  assert.deepEqual(sc.supplemental_groups, ['2000']);
  assert.deepEqual(sc.capabilities, { add_capabilities: ['NET_ADMIN'], drop_capabilities: ['ALL'] });
  assert.deepEqual(sc.namespace_options, { network: 'POD', pid: 'POD', ipc: 'POD' });
});

test('key references named like object members are plain keys: an absent "constructor" is missing, a present "__proto__" is read', async () => {
  await assert.rejects(containerEnv(ctx(), { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'constructor' } } }] }), (e: unknown) => e instanceof ContainerConfigError && e.message === "couldn't find key constructor in ConfigMap ns/cm");
  const c = ctx();
  const data = JSON.parse('{"__proto__":"from-proto-key","toString":"t"}') as Record<string, string>;
  (c.client as FakeApi).seed('/api/v1/namespaces/ns/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'odd', namespace: 'ns' }, data } as KubeObject);
  const env = await containerEnv(c, { name: 'c', env: [{ name: 'P', valueFrom: { configMapKeyRef: { name: 'odd', key: '__proto__' } } }], envFrom: [{ configMapRef: { name: 'odd' }, prefix: 'ODD_' }] });
  const get = (k: string) => env.find((e) => e.key === k)?.value;
  assert.equal(get('P'), 'from-proto-key');
  assert.equal(get('ODD___proto__'), 'from-proto-key');
  assert.equal(get('ODD_toString'), 't');
});

test('a claim with readOnly mounts read-only everywhere; a missing subPath is made inside its volume, never through a link out of it', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'akube-subpath-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const vol = join(root, 'vol');
  mkdirSync(vol);
  symlinkSync('/etc', join(vol, 'escape'));
  mkdirSync(join(vol, 'real'));
  symlinkSync('real', join(vol, 'inside'));
  const vols = new Map([['data', vol]]);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'c', readOnly: true } }, { name: 'rw', persistentVolumeClaim: { claimName: 'd' } }] } };
  assert.deepEqual([...readOnlyVolumes(pod)], ['data']);
  const mounts = containerMounts({ name: 'c', volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'data', mountPath: '/logs', subPath: 'logs/app' }, { name: 'data', mountPath: '/in', subPath: 'inside/x' }] }, vols, { readOnlyVolumes: readOnlyVolumes(pod), createSubPaths: true });
  assert.deepEqual(mounts.map((m) => [m.containerPath, m.readonly]), [['/data', true], ['/logs', true], ['/in', true]]);
  assert.equal(statSync(join(vol, 'logs/app')).mode & 0o777, 0o750);
  assert.ok(statSync(join(vol, 'real/x')).isDirectory(), 'made through a link that stays inside');
  assert.throws(() => containerMounts({ name: 'c', volumeMounts: [{ name: 'data', mountPath: '/e', subPath: 'escape/made-by-test' }] }, vols, { createSubPaths: true }), /leads out of its volume/);
  assert.equal(existsSync('/etc/made-by-test'), false);
});
