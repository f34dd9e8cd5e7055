import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { planDrain } from '../../../src/cli/commands/drain.js';

const pod = (name: string, o: { owner?: string; phase?: string; emptyDir?: boolean; mirror?: boolean } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    namespace: 'ns',
    uid: `uid-${name}`,
    ...(o.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: o.owner, name: 'x', uid: 'u', controller: true }] } : {}),
    ...(o.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'hash' } } : {}),
  },
  spec: { containers: [], ...(o.emptyDir ? { volumes: [{ name: 'v', emptyDir: {} }] } : {}) },
  status: { phase: o.phase ?? 'Running' },
});

test('drain: DaemonSet, unmanaged and emptyDir pods stop it unless the flags allow them; mirror pods are left', () => {
  const pods = [pod('rs', { owner: 'ReplicaSet' }), pod('ds', { owner: 'DaemonSet' }), pod('bare'), pod('scratch', { owner: 'ReplicaSet', emptyDir: true }), pod('static', { mirror: true }), pod('done', { phase: 'Succeeded' })];
  const strict = planDrain(pods, { force: false, ignoreDaemonSets: false, deleteEmptyDirData: false });
  assert.deepEqual(strict.errors, [
    'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ns/ds',
    'cannot delete Pods that declare no controller (use --force to override): ns/bare',
    'cannot delete Pods with local storage (use --delete-emptydir-data to override): ns/scratch',
  ]);
  const lenient = planDrain(pods, { force: true, ignoreDaemonSets: true, deleteEmptyDirData: true });
  assert.deepEqual(lenient.errors, []);
  assert.deepEqual(lenient.warnings, ['ignoring DaemonSet-managed Pods: ns/ds', 'deleting Pods that declare no controller: ns/bare']);
  assert.deepEqual(lenient.evict.map((p) => p.metadata.name), ['rs', 'bare', 'scratch', 'done']);
});
