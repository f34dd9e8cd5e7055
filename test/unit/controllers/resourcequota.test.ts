import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { FakeClock } from '../../../src/client/workqueue.js';
import { computeQuotaStatus } from '../../../src/controllers/resourcequota.js';

const pod = (name: string, spec: Record<string, unknown>, status: Record<string, unknown> = { phase: 'Running' }): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns' }, spec, status });
const sized = (cpu: string, memory: string) => ({ containers: [{ name: 'a', resources: { requests: { cpu, memory }, limits: { cpu, memory } } }] });

const objects: Record<string, KubeObject[]> = {
  'pods.': [
    pod('a', sized('250m', '64Mi')),
    pod('b', sized('500m', '64Mi')),
    pod('done', sized('4', '4Gi'), { phase: 'Succeeded' }),
    pod('be', { containers: [{ name: 'x' }] }),
    pod('job', { activeDeadlineSeconds: 30, containers: [{ name: 'x' }] }),
  ],
  'services.': [{ metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 81 }] } }, { metadata: { name: 't' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } }],
  'persistentvolumeclaims.': [{ metadata: { name: 'data' }, spec: { storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } } }],
  'configmaps.': [{ metadata: { name: 'c1' } }, { metadata: { name: 'c2' } }],
  'deployments.apps': [{ metadata: { name: 'd' } }],
};

const deps = { clock: new FakeClock(), objectsOf: async (group: string, resource: string) => objects[`${resource}.${group}`] ?? [] };

const quota = (hard: Record<string, string>, spec: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'ns' }, spec: { hard, ...spec } });

test('counts, compute sums in canonical quantities, finished pods left out, zeros written', async () => {
  const status = await computeQuotaStatus(
    quota({ pods: '10', 'count/pods': '10', 'requests.cpu': '4', 'limits.memory': '1Gi', services: '5', 'services.nodeports': '5', 'requests.storage': '10Gi', 'fast.storageclass.storage.k8s.io/persistentvolumeclaims': '1', configmaps: '9', 'count/deployments.apps': '3', 'count/jobs.batch': '2', secrets: '1' }),
    deps,
  );
  assert.deepEqual(status.used, {
    pods: '4',
    'count/pods': '5',
    'requests.cpu': '750m',
    'limits.memory': '128Mi',
    services: '2',
    'services.nodeports': '2',
    'requests.storage': '5Gi',
    'fast.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
    configmaps: '2',
    'count/deployments.apps': '1',
    'count/jobs.batch': '0',
    secrets: '0',
  });
  assert.deepEqual(status.hard['pods'], '10');
});

test('scopes select pods: BestEffort, NotTerminating, PriorityClass', async () => {
  assert.deepEqual((await computeQuotaStatus(quota({ pods: '9' }, { scopes: ['BestEffort'] }), deps)).used, { pods: '2' });
  assert.deepEqual((await computeQuotaStatus(quota({ pods: '9' }, { scopes: ['Terminating'] }), deps)).used, { pods: '1' });
  assert.deepEqual((await computeQuotaStatus(quota({ pods: '9', 'requests.cpu': '2' }, { scopes: ['NotBestEffort', 'NotTerminating'] }), deps)).used, { pods: '2', 'requests.cpu': '750m' });
  assert.deepEqual((await computeQuotaStatus(quota({ pods: '9' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'Exists' }] } }), deps)).used, { pods: '0' });
});
