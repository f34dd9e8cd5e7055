// The HPA controller driven directly: a fake API (scale subresource + HPA status), a fake metrics source,
// a fake clock. Covers the replica calculation, the missing-metrics conditions and events, stabilization and
// behavior rate limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeList, KubeObject } from '../../../src/api/object.js';
import { ApiError } from '../../../src/client/api-error.js';
import { Indexer } from '../../../src/client/informer.js';
import { FakeClock } from '../../../src/client/workqueue.js';
import { HpaMemory } from '../../../src/controllers/hpa/behavior.js';
import { milliQuantity, reconcileHpa, type HpaDeps } from '../../../src/controllers/hpa/controller.js';
import { parseWindowMs, resourceMetricsApi, type MetricsSource } from '../../../src/controllers/hpa/metrics.js';
import { resourceReplicas, type PodMetrics } from '../../../src/controllers/hpa/replica-calculator.js';

const scaleUrl = '/apis/apps/v1/namespaces/default/deployments/web/scale';

function hpa(extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '1' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 10, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }], ...extra },
    status: { currentMetrics: null, desiredReplicas: 0 },
  };
}

function pod(name: string, startMs: number, phase = 'Running'): KubeObject {
  const t = new Date(startMs).toISOString();
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '100m' } } }] },
    status: { phase, startTime: t, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: t }] },
  };
}

class Fake {
  replicas: number;
  scaleWrites: number[] = [];
  statuses: Record<string, unknown>[] = [];
  events: string[] = [];
  constructor(replicas: number) {
    this.replicas = replicas;
  }
  client(): HpaDeps['client'] {
    const self = this;
    return {
      async get<T>(path: string): Promise<T> {
        assert.equal(path, scaleUrl);
        return { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: self.replicas }, status: { replicas: self.replicas, selector: 'app=web' } } as T;
      },
      async update<T>(path: string, body: unknown): Promise<T> {
        const b = body as { spec: { replicas: number }; status: Record<string, unknown> };
        if (path === scaleUrl) {
          self.replicas = b.spec.replicas;
          self.scaleWrites.push(b.spec.replicas);
        } else {
          assert.equal(path, '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web/status');
          self.statuses.push(b.status);
        }
        return body as T;
      },
      async list<T extends KubeObject>(): Promise<KubeList<T>> {
        throw new Error('unused');
      },
      async create<T>(): Promise<T> { throw new Error('unused'); },
      async patch<T>(): Promise<T> { throw new Error('unused'); },
      async delete() { throw new Error('unused'); },
    };
  }
}

function deps(fake: Fake, h: KubeObject, pods: KubeObject[], metrics: MetricsSource, clock: FakeClock, memory = new HpaMemory()): HpaDeps {
  return {
    client: fake.client(), hpas: new Indexer({}, [h]), pods: new Indexer({}, pods), metrics,
    recorder: { event: (_o, type, reason, message) => fake.events.push(`${type} ${reason} ${message}`) },
    clock, memory,
  };
}

function usage(values: Record<string, number>, atMs: number): MetricsSource {
  return {
    async podMetrics() {
      const m: PodMetrics = new Map(Object.entries(values).map(([k, v]) => [k, { value: v, timestampMs: atMs, windowMs: 30_000 }]));
      return { metrics: m, timestampMs: atMs };
    },
  };
}

test('no metrics API: ScalingActive False FailedGetResourceMetric and the events kube-controller-manager sends', async () => {
  const clock = new FakeClock();
  const fake = new Fake(1);
  const notServed = resourceMetricsApi({
    async list() {
      throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', message: 'the server could not find the requested resource', code: 404 });
    },
  });
  await assert.rejects(reconcileHpa('default/web', deps(fake, hpa(), [pod('p1', clock.now() - 600_000)], notServed, clock)), /failed to compute desired number of replicas based on listed metrics for Deployment\/web/);
  const why = 'failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)';
  assert.deepEqual(fake.events, [`Warning FailedGetResourceMetric ${why}`, `Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: ${why}`]);
  const status = fake.statuses.at(-1) as { currentReplicas: number; desiredReplicas: number; currentMetrics: unknown; conditions: { type: string; status: string; reason: string; message: string }[] };
  assert.equal(status.currentReplicas, 1);
  assert.equal(status.desiredReplicas, 0);
  assert.deepEqual(status.currentMetrics, [{ type: '' }]);
  assert.deepEqual(status.conditions.map((c) => [c.type, c.status, c.reason]), [['AbleToScale', 'True', 'SucceededGetScale'], ['ScalingActive', 'False', 'FailedGetResourceMetric']]);
  assert.equal(status.conditions[1]?.message, `the HPA was unable to compute the replica count: ${why}`);
  assert.deepEqual(fake.scaleWrites, []);
});

test('CPU above target scales up; within the tolerance it stays', async () => {
  const clock = new FakeClock();
  const old = clock.now() - 600_000;
  const fake = new Fake(2);
  const pods = [pod('p1', old), pod('p2', old)];
  // 90m of 100m each = 90% against 50%: ceil(1.8 * 2) = 4.
  const r = await reconcileHpa('default/web', deps(fake, hpa(), pods, usage({ p1: 90, p2: 90 }, clock.now()), clock));
  assert.deepEqual(r, { requeueAfterMs: 15_000 });
  assert.deepEqual(fake.scaleWrites, [4]);
  assert.deepEqual(fake.events, ['Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target']);
  const status = fake.statuses.at(-1) as { currentReplicas: number; desiredReplicas: number; currentMetrics: unknown; lastScaleTime: string; conditions: { type: string; reason: string }[] };
  assert.equal(status.currentReplicas, 2);
  assert.equal(status.desiredReplicas, 4);
  assert.deepEqual(status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 90, averageValue: '90m' } } }]);
  assert.deepEqual(status.conditions.map((c) => `${c.type}/${c.reason}`), ['AbleToScale/SucceededRescale', 'ScalingActive/ValidMetricFound', 'ScalingLimited/DesiredWithinRange']);

  const steady = new Fake(2);
  await reconcileHpa('default/web', deps(steady, hpa(), pods, usage({ p1: 54, p2: 54 }, clock.now()), clock));
  assert.deepEqual(steady.scaleWrites, []);
});

test('the replica calculator: missing pods count as full on the way down, unready pods as idle on the way up', () => {
  const now = Date.UTC(2024, 4, 1);
  const old = now - 600_000;
  const metrics = (v: Record<string, number>): PodMetrics => new Map(Object.entries(v).map(([k, x]) => [k, { value: x, timestampMs: now, windowMs: 30_000 }]));
  // p3 has no metrics: on a scale-down it is assumed at 100%, which keeps the count up.
  const down = resourceReplicas({ currentReplicas: 3, target: 50, resource: 'cpu', pods: [pod('p1', old), pod('p2', old), pod('p3', old)], metrics: metrics({ p1: 10, p2: 10 }), nowMs: now });
  assert.equal(down.utilization, 10);
  assert.equal(down.replicas, 3);
  // p3 is Pending (unready): on a scale-up it counts as idle.
  const up = resourceReplicas({ currentReplicas: 3, target: 50, resource: 'cpu', pods: [pod('p1', old), pod('p2', old), pod('p3', old, 'Pending')], metrics: metrics({ p1: 100, p2: 100 }), nowMs: now });
  assert.equal(up.replicas, 4);
  // No requests: the Kubernetes message.
  const bare = pod('p1', old);
  (bare['spec'] as { containers: { resources: unknown }[] }).containers[0]!.resources = {};
  assert.throws(() => resourceReplicas({ currentReplicas: 1, target: 50, resource: 'cpu', pods: [bare], metrics: metrics({ p1: 10 }), nowMs: now }), /missing request for cpu in container c of Pod p1/);
});

test('scale-down waits for the stabilization window, then goes', async () => {
  const clock = new FakeClock();
  const old = clock.now() - 600_000;
  const memory = new HpaMemory();
  const fake = new Fake(4);
  const pods = ['a', 'b', 'c', 'd'].map((n) => pod(n, old));
  const low = () => usage({ a: 10, b: 10, c: 10, d: 10 }, clock.now());
  await reconcileHpa('default/web', deps(fake, hpa(), pods, low(), clock, memory));
  assert.deepEqual(fake.scaleWrites, []);
  const held = fake.statuses.at(-1) as { conditions: { type: string; reason: string }[] };
  assert.ok(held.conditions.some((c) => c.type === 'AbleToScale' && c.reason === 'ScaleDownStabilized'));
  clock.advance(301_000);
  await reconcileHpa('default/web', deps(fake, hpa(), pods, low(), clock, memory));
  assert.deepEqual(fake.scaleWrites, [1]);
  assert.match(fake.events.at(-1) ?? '', /SuccessfulRescale New size: 1; reason: All metrics below target/);
});

test('behavior policies limit the rate of a scale-up', async () => {
  const clock = new FakeClock();
  const old = clock.now() - 600_000;
  const memory = new HpaMemory();
  const fake = new Fake(1);
  const behavior = { scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] }, scaleDown: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] } };
  await reconcileHpa('default/web', deps(fake, hpa({ behavior, maxReplicas: 10 }), [pod('a', old)], usage({ a: 400 }, clock.now()), clock, memory));
  assert.deepEqual(fake.scaleWrites, [2]);
  const s = fake.statuses.at(-1) as { conditions: { type: string; status: string; reason: string }[] };
  assert.deepEqual(s.conditions.find((c) => c.type === 'ScalingLimited'), { ...s.conditions.find((c) => c.type === 'ScalingLimited'), status: 'True', reason: 'ScaleUpLimit' });
  // Within the policy's period no further step is allowed.
  clock.advance(10_000);
  await reconcileHpa('default/web', deps(fake, hpa({ behavior, maxReplicas: 10 }), [pod('a', old), pod('b', old)], usage({ a: 400, b: 400 }, clock.now()), clock, memory));
  assert.deepEqual(fake.scaleWrites, [2]);
  clock.advance(60_000);
  await reconcileHpa('default/web', deps(fake, hpa({ behavior, maxReplicas: 10 }), [pod('a', old), pod('b', old)], usage({ a: 400, b: 400 }, clock.now()), clock, memory));
  assert.deepEqual(fake.scaleWrites, [2, 3]);
});

test('status.observedGeneration is the generation the sync read, on success and on failure', async () => {
  const clock = new FakeClock();
  const old = clock.now() - 600_000;
  const pods = [pod('p1', old), pod('p2', old)];
  const h = hpa();
  h.metadata.generation = 3;
  (h['status'] as Record<string, unknown>)['observedGeneration'] = 2;
  const fake = new Fake(2);
  await reconcileHpa('default/web', deps(fake, h, pods, usage({ p1: 90, p2: 90 }, clock.now()), clock));
  assert.equal(fake.statuses.at(-1)?.['observedGeneration'], 3);
  const broken = hpa({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Nope', name: 'web' } });
  broken.metadata.generation = 4;
  const failing = new Fake(1);
  await assert.rejects(reconcileHpa('default/web', deps(failing, broken, [], usage({}, 0), clock)));
  assert.equal(failing.statuses.at(-1)?.['observedGeneration'], 4);
  // the status is written once the generation moves, even when nothing else changed
  const steady = hpa();
  steady.metadata.generation = 5;
  const first = new Fake(2);
  await reconcileHpa('default/web', deps(first, steady, pods, usage({ p1: 54, p2: 54 }, clock.now()), clock));
  const settled = { ...steady, status: first.statuses.at(-1) };
  const again = new Fake(2);
  await reconcileHpa('default/web', deps(again, settled, pods, usage({ p1: 54, p2: 54 }, clock.now()), clock));
  assert.equal(again.statuses.length, 0);
  const bumped = new Fake(2);
  await reconcileHpa('default/web', deps(bumped, { ...settled, metadata: { ...settled.metadata, generation: 6 } }, pods, usage({ p1: 54, p2: 54 }, clock.now()), clock));
  assert.equal(bumped.statuses.at(-1)?.['observedGeneration'], 6);
});

test('a missing target: AbleToScale False FailedGetScale', async () => {
  const clock = new FakeClock();
  const fake = new Fake(1);
  const h = hpa({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Nope', name: 'web' } });
  await assert.rejects(reconcileHpa('default/web', deps(fake, h, [], usage({}, 0), clock)), /unable to determine resource for scale target reference: no matches for kind "Nope" in group "apps"/);
  assert.deepEqual(fake.events, ['Warning FailedGetScale no matches for kind "Nope" in group "apps"']);
  const s = fake.statuses.at(-1) as { conditions: { type: string; status: string; reason: string; message: string }[] };
  assert.deepEqual(s.conditions[0], { ...s.conditions[0], type: 'AbleToScale', status: 'False', reason: 'FailedGetScale', message: `the HPA controller was unable to get the target's current scale: no matches for kind "Nope" in group "apps"` });
});

test('quantities and windows as the metrics API writes them', () => {
  assert.equal(milliQuantity(250), '250m');
  assert.equal(milliQuantity(1000), '1');
  assert.equal(milliQuantity(1500), '1500m');
  assert.equal(milliQuantity(100_000_000_000), '100M');
  assert.equal(parseWindowMs('1m0s'), 60_000);
  assert.equal(parseWindowMs('10.5s'), 10_500);
});

test('two HPAs whose targets select the same pods: AmbiguousSelector, and neither scales', async () => {
  const clock = new FakeClock();
  const memory = new HpaMemory();
  const pods = [pod('p1', clock.now() - 600_000)];
  const metrics = usage({ p1: 900 }, clock.now());
  // a second HPA (default/web-2) has already seen a selector that picks the same pods
  memory.selectors.set('default/web-2', (await import('../../../src/api/selectors/index.js')).parseLabelSelector('app'));
  const fake = new Fake(1);
  await assert.rejects(reconcileHpa('default/web', deps(fake, hpa(), pods, metrics, clock, memory)), /are controlled by multiple HPAs/);
  const why = 'pods by selector app=web are controlled by multiple HPAs: [default/web default/web-2]';
  assert.deepEqual(fake.events, [`Warning AmbiguousSelector ${why}`, `Warning FailedComputeMetricsReplicas ${why}`]);
  const status = fake.statuses.at(-1) as { currentMetrics: unknown; conditions: { type: string; status: string; reason: string; message: string }[] };
  assert.equal(status.currentMetrics, null);
  const active = status.conditions.find((c) => c.type === 'ScalingActive');
  assert.deepEqual([active?.status, active?.reason, active?.message], ['False', 'AmbiguousSelector', why]);
  assert.deepEqual(fake.scaleWrites, []);
  // once the other HPA is gone, this one scales again
  memory.forget('default/web-2');
  const again = new Fake(1);
  await reconcileHpa('default/web', deps(again, hpa(), pods, metrics, clock, memory));
  assert.deepEqual(again.scaleWrites.length, 1);
});
