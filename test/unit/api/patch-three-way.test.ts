import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Deployment, DeploymentStrategy } from 'kubernetes-types/apps/v1.js';
import type { Container, EnvVar } from 'kubernetes-types/core/v1.js';
import { applyStrategicMergePatch, createThreeWayStrategicMergePatch, createTwoWayMergePatch } from '../../../src/api/patch/index.js';

const deployDef = 'io.k8s.api.apps.v1.Deployment';

interface ManifestOptions {
  image?: string;
  labels?: Record<string, string>;
  env?: EnvVar[];
  withLog?: boolean;
  strategy?: DeploymentStrategy;
}

/** A Deployment manifest as a user writes it. */
function manifest(o: ManifestOptions = {}): Deployment {
  const containers: Container[] = [{ name: 'web', image: o.image ?? 'nginx:1', ports: [{ containerPort: 80 }], env: o.env ?? [{ name: 'A', value: '1' }] }];
  if (o.withLog ?? true) containers.push({ name: 'log', image: 'busybox' });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', labels: o.labels ?? { app: 'd', tier: 'x' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'd' } },
      ...(o.strategy ? { strategy: o.strategy } : {}),
      template: { metadata: { labels: { app: 'd' } }, spec: { containers } },
    },
  };
}

/** What the server stores for a manifest: defaults, server-set metadata, status, and a label someone else added. */
function live(m: Deployment): Deployment {
  const obj = structuredClone(m);
  const meta = obj.metadata!;
  Object.assign(meta, { uid: 'u-1', resourceVersion: '7', generation: 1, creationTimestamp: '2024-01-01T00:00:00Z', annotations: { 'deployment.kubernetes.io/revision': '1' } });
  meta.labels = { ...meta.labels, 'added-by': 'someone-else' };
  const spec = obj.spec!;
  spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
  spec.revisionHistoryLimit = 10;
  spec.template.spec!.restartPolicy = 'Always';
  for (const c of spec.template.spec!.containers) {
    Object.assign(c, { imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', resources: {} });
    for (const p of c.ports ?? []) p.protocol = 'TCP';
  }
  obj.status = { replicas: 2, readyReplicas: 2 };
  return obj;
}

/** One `kubectl apply`: the patch it sends and the object the server ends up with. */
function apply(lastApplied: Deployment | undefined, next: Deployment, current: Deployment): { patch: Record<string, unknown>; result: Deployment } {
  const patch = createThreeWayStrategicMergePatch(lastApplied ?? null, next, current, deployDef);
  return { patch, result: applyStrategicMergePatch(current, patch, deployDef) as Deployment };
}

test('three-way: applying an unchanged manifest sends {}', () => {
  const m = manifest();
  assert.deepEqual(createThreeWayStrategicMergePatch(m, m, live(m), deployDef), {});
});

test('three-way: apply twice — the second patch is {}', () => {
  const v1 = manifest();
  const v2 = manifest({ image: 'nginx:2', labels: { app: 'd' }, env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], withLog: false });
  const first = apply(v1, v2, live(v1));
  assert.notDeepEqual(first.patch, {});
  const second = apply(v2, v2, first.result);
  assert.deepEqual(second.patch, {});
  assert.deepEqual(second.result, first.result);
});

test('three-way: the patch kubectl sends for image, env, label and container changes', () => {
  const v1 = manifest();
  const v2 = manifest({ image: 'nginx:2', labels: { app: 'd' }, env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], withLog: false });
  const { patch, result } = apply(v1, v2, live(v1));
  assert.equal(
    JSON.stringify(patch),
    JSON.stringify({
      metadata: { labels: { tier: null } },
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }],
            containers: [
              { '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }], env: [{ name: 'B', value: '2' }], image: 'nginx:2', name: 'web' },
              { $patch: 'delete', name: 'log' },
            ],
          },
        },
      },
    }),
  );
  // The label another client added survives; server defaults survive; the removed label and container go.
  assert.deepEqual(result.metadata?.labels, { app: 'd', 'added-by': 'someone-else' });
  const containers = result.spec?.template.spec?.containers ?? [];
  assert.deepEqual(
    containers.map((c) => [c.name, c.image, c.imagePullPolicy, c.env?.map((e) => e.name)]),
    [['web', 'nginx:2', 'IfNotPresent', ['A', 'B']]],
  );
  assert.deepEqual(result.spec?.template.spec?.containers[0]?.ports, [{ containerPort: 80, protocol: 'TCP' }]);
});

test('three-way: first apply without last-applied configuration removes nothing', () => {
  const m = manifest({ image: 'nginx:2' });
  const { patch, result } = apply(undefined, m, live(manifest()));
  assert.deepEqual(patch, {
    spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'log' }], containers: [{ image: 'nginx:2', name: 'web' }] } } },
  });
  assert.equal(result.metadata?.labels?.['added-by'], 'someone-else');
});

test('three-way: a new strategy type clears the old strategy fields with $retainKeys', () => {
  const v1 = manifest();
  const v2 = manifest({ strategy: { type: 'Recreate' } });
  const { patch, result } = apply(v1, v2, live(v1));
  assert.deepEqual(patch, { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } });
  assert.deepEqual(result.spec?.strategy, { type: 'Recreate' });
});

test('three-way: a value removed from a primitive merge list', () => {
  const def = 'io.k8s.api.core.v1.Pod';
  const v1 = { metadata: { name: 'p', finalizers: ['a', 'b'] } };
  const v2 = { metadata: { name: 'p', finalizers: ['a'] } };
  const patch = createThreeWayStrategicMergePatch(v1, v2, v1, def);
  assert.deepEqual(patch, { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'], '$setElementOrder/finalizers': ['a'] } });
  assert.deepEqual(applyStrategicMergePatch(v1, patch, def), v2);
});

test('two-way: kubectl set image body', () => {
  const before = live(manifest());
  const after = structuredClone(before);
  after.spec!.template.spec!.containers[0]!.image = 'nginx:2';
  const patch = createTwoWayMergePatch(before, after, deployDef);
  assert.equal(
    JSON.stringify(patch),
    '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"log"}],"containers":[{"image":"nginx:2","name":"web"}]}}}}',
  );
  assert.deepEqual(applyStrategicMergePatch(before, patch, deployDef), after);
});

test('two-way: a removed map key becomes null, an unchanged object gives {}', () => {
  const before = manifest();
  const after = manifest({ labels: { app: 'd' } });
  assert.deepEqual(createTwoWayMergePatch(before, after, deployDef), { metadata: { labels: { tier: null } } });
  assert.deepEqual(createTwoWayMergePatch(before, before, deployDef), {});
});

test('three-way does not modify its inputs', () => {
  const v1 = manifest();
  const v2 = manifest({ withLog: false });
  const cur = live(v1);
  const copies = structuredClone([v1, v2, cur]);
  createThreeWayStrategicMergePatch(v1, v2, cur, deployDef);
  assert.deepEqual([v1, v2, cur], copies);
});
