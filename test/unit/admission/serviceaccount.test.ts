import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { staticLookup } from '../../../src/auth/lookup.js';
import { serviceAccountAdmission } from '../../../src/admission/serviceaccount.js';
import type { AdmissionRequest } from '../../../src/admission/types.js';
import { StatusError } from '../../../src/api/status.js';

const sa = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({ kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name, namespace: 'ns-1', uid: `${name}-uid` }, ...extra });

function pod(spec: Record<string, unknown>, meta: Partial<KubeObject['metadata']> = { name: 'web' }): KubeObject {
  return { kind: 'Pod', apiVersion: 'v1', metadata: { namespace: 'ns-1', ...meta }, spec };
}

function request(object: KubeObject): AdmissionRequest {
  return { operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'pods', kind: 'Pod' }, subresource: '', namespace: 'ns-1', name: object.metadata.name ?? '', object, user: { name: 'u', groups: [] }, dryRun: false };
}

function plugin(objects: KubeObject[]) {
  let delays = 0;
  const p = serviceAccountAdmission({ lookup: staticLookup(objects), randomSuffix: () => 'x7k2q', retryDelay: async () => void delays++ });
  return { p, delays: () => delays };
}

test('defaults the service account and mounts the projected token volume into every container', async () => {
  const { p } = plugin([sa('default')]);
  const obj = pod({ initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'app', image: 'nginx' }, { name: 'side', image: 'nginx', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] });
  await p.admit?.(request(obj));
  const spec = obj['spec'] as Record<string, unknown>;
  assert.equal(spec['serviceAccountName'], 'default');
  const mount = { name: 'kube-api-access-x7k2q', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
  assert.deepEqual(spec['initContainers'], [{ name: 'init', image: 'busybox', volumeMounts: [mount] }]);
  assert.deepEqual((spec['containers'] as unknown[])[1], { name: 'side', image: 'nginx', volumeMounts: [{ name: 'data', mountPath: '/data' }, mount] });
  assert.deepEqual(spec['volumes'], [{
    name: 'kube-api-access-x7k2q',
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    },
  }]);
});

const automount: { name: string; podChoice?: boolean; saChoice?: boolean; mounted: boolean }[] = [
  { name: 'default is to mount', mounted: true },
  { name: 'SA opts out', saChoice: false, mounted: false },
  { name: 'pod opts out', podChoice: false, mounted: false },
  { name: 'pod opts in over the SA', podChoice: true, saChoice: false, mounted: true },
];
for (const c of automount) {
  test(`automount: ${c.name}`, async () => {
    const { p } = plugin([sa('k-sa-1', c.saChoice === undefined ? {} : { automountServiceAccountToken: c.saChoice })]);
    const obj = pod({ serviceAccountName: 'k-sa-1', containers: [{ name: 'app', image: 'nginx' }], ...(c.podChoice === undefined ? {} : { automountServiceAccountToken: c.podChoice }) });
    await p.admit?.(request(obj));
    assert.equal(Array.isArray((obj['spec'] as Record<string, unknown>)['volumes']), c.mounted);
  });
}

test('an existing mount at the token path and an existing kube-api-access volume are kept', async () => {
  const { p } = plugin([sa('default')]);
  const obj = pod({
    volumes: [{ name: 'kube-api-access-abcde', emptyDir: {} }],
    containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'mine', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }, { name: 'b', image: 'x' }],
  });
  await p.admit?.(request(obj));
  const spec = obj['spec'] as Record<string, unknown>;
  assert.deepEqual(spec['volumes'], [{ name: 'kube-api-access-abcde', emptyDir: {} }]);
  assert.deepEqual((spec['containers'] as Record<string, unknown>[])[1]?.['volumeMounts'], [{ name: 'kube-api-access-abcde', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
});

test('image pull secrets come from the service account when the pod has none', async () => {
  const { p } = plugin([sa('default', { imagePullSecrets: [{ name: 'regcred' }] })]);
  const obj = pod({ containers: [{ name: 'a', image: 'x' }] });
  await p.admit?.(request(obj));
  assert.deepEqual((obj['spec'] as Record<string, unknown>)['imagePullSecrets'], [{ name: 'regcred' }]);
});

test('a missing service account is 403 with Kubernetes wording; default is retried', async () => {
  const { p, delays } = plugin([]);
  const obj = pod({ containers: [{ name: 'a', image: 'x' }] }, { generateName: 'web-' });
  await assert.rejects(p.admit?.(request(obj)) ?? Promise.resolve(), (e: unknown) => e instanceof StatusError && e.code === 403
    && e.message === 'pods "web-" is forbidden: error looking up service account ns-1/default: serviceaccount "default" not found');
  assert.equal(delays(), 9);
  const named = pod({ serviceAccountName: 'k-sa-9', containers: [{ name: 'a', image: 'x' }] });
  await assert.rejects(p.admit?.(request(named)) ?? Promise.resolve(), /pods "web" is forbidden: error looking up service account ns-1\/k-sa-9: serviceaccount "k-sa-9" not found/);
});

test('mirror pods are left alone', async () => {
  const { p } = plugin([]);
  const obj = pod({ containers: [{ name: 'a', image: 'x' }] }, { name: 'm', annotations: { 'kubernetes.io/config.mirror': 'x' } });
  await p.admit?.(request(obj));
  assert.equal((obj['spec'] as Record<string, unknown>)['serviceAccountName'], undefined);
});
