// HorizontalPodAutoscaler served through autoscaling/v2 and autoscaling/v1 by the in-process API server:
// one stored object, conversion both ways, validation texts, the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer } from '../apiserver/helpers.js';
import { hpaFromV1, hpaToV1 } from '../../../src/registry/conversion/hpa.js';

const v2 = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers';
const v1 = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers';
async function server() {
  const s = await testServer();
  await s.call('POST', '/api/v1/namespaces', { metadata: { name: 'default' } });
  return s;
}

const tableAccept = { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' };

test('a v1 HPA is read through v2 with its CPU target as a Resource metric, and back', async () => {
  const s = await server();
  try {
    const created = await s.call('POST', v1, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 3, targetCPUUtilizationPercentage: 50 } });
    assert.equal(created.status, 201, created.text);
    const c = created.json() as { apiVersion: string; spec: Record<string, unknown>; status: Record<string, unknown> };
    assert.equal(c.apiVersion, 'autoscaling/v1');
    assert.deepEqual(c.spec, { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 50 });
    assert.deepEqual(c.status, { currentReplicas: 0, desiredReplicas: 0 });

    const read = (await s.call('GET', `${v2}/web`)).json() as { apiVersion: string; spec: Record<string, unknown>; status: Record<string, unknown> };
    assert.equal(read.apiVersion, 'autoscaling/v2');
    assert.deepEqual(read.spec['metrics'], [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
    assert.deepEqual(read.status, { currentMetrics: null, desiredReplicas: 0 });

    // A v2-only metric added through v2 survives a v1 read-modify-write.
    const patched = await s.call('PATCH', `${v2}/web`, { spec: { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }, { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }] } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(patched.status, 200, patched.text);
    const asV1 = (await s.call('GET', `${v1}/web`)).json() as { metadata: { annotations: Record<string, string> } };
    assert.deepEqual(JSON.parse(asV1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'] ?? ''), [{ type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } }]);
    const put = await s.call('PUT', `${v1}/web`, { ...asV1, spec: { ...(asV1 as unknown as { spec: object }).spec, maxReplicas: 5 } });
    assert.equal(put.status, 200, put.text);
    const after = (await s.call('GET', `${v2}/web`)).json() as { metadata: { annotations?: unknown }; spec: { maxReplicas: number; metrics: unknown[] } };
    assert.equal(after.spec.maxReplicas, 5);
    assert.equal(after.spec.metrics.length, 2);
    assert.equal(after.metadata.annotations, undefined);

    // Both versions list and watch the same object.
    const list = (await s.call('GET', v1)).json() as { apiVersion: string; items: { apiVersion: string }[] };
    assert.equal(list.apiVersion, 'autoscaling/v1');
    assert.deepEqual(list.items.map((i) => i.apiVersion), ['autoscaling/v1']);
  } finally {
    await s.close();
  }
});

test('a v1 HPA without a CPU target gets the 80% default', async () => {
  const s = await server();
  try {
    await s.call('POST', v1, { metadata: { name: 'd' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, maxReplicas: 2 } });
    const read = (await s.call('GET', `${v1}/d`)).json() as { spec: Record<string, unknown> };
    assert.equal(read.spec['targetCPUUtilizationPercentage'], 80);
  } finally {
    await s.close();
  }
});

test('HPA validation answers with the texts kube-apiserver uses', async () => {
  const s = await server();
  try {
    const r = await s.call('POST', v2, { metadata: { name: 'bad' }, spec: { scaleTargetRef: { kind: 'Deployment', name: '' }, minReplicas: 3, maxReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }], behavior: { scaleDown: { stabilizationWindowSeconds: 4000, policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } } } });
    assert.equal(r.status, 422);
    const message = String(r.json()['message']);
    for (const part of [
      'HorizontalPodAutoscaler.autoscaling "bad" is invalid',
      'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
      'spec.scaleTargetRef.name: Required value',
      'spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization',
      'spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 4000: must be less than or equal to 3600',
      'spec.behavior.scaleDown.policies[0].value: Invalid value: 0: must be greater than zero',
    ]) assert.ok(message.includes(part), `${part}\nin: ${message}`);

    const low = await s.call('POST', v1, { metadata: { name: 'low' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, minReplicas: 0, maxReplicas: 1, targetCPUUtilizationPercentage: 0 } });
    assert.equal(low.status, 422);
    assert.match(String(low.json()['message']), /spec.minReplicas: Invalid value: 0: must be greater than or equal to 1/);
    assert.match(String(low.json()['message']), /spec.metrics\[0\].resource.target.averageUtilization: Invalid value: 0: must be greater than 0/);
  } finally {
    await s.close();
  }
});

test('behavior defaults fill what is left out', async () => {
  const s = await server();
  try {
    const r = await s.call('POST', v2, { metadata: { name: 'b' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'b' }, maxReplicas: 4, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } } });
    assert.equal(r.status, 201, r.text);
    const b = (r.json() as { spec: { behavior: unknown } }).spec.behavior;
    assert.deepEqual(b, {
      scaleUp: { stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
    });
    const v1view = (await s.call('GET', `${v1}/b`)).json() as { metadata: { annotations: Record<string, string> } };
    const goForm = JSON.parse(v1view.metadata.annotations['autoscaling.alpha.kubernetes.io/behavior'] ?? '') as { ScaleDown: { StabilizationWindowSeconds: number } };
    assert.equal(goForm.ScaleDown.StabilizationWindowSeconds, 60);
  } finally {
    await s.close();
  }
});

test('the table prints Kubernetes columns from either version', async () => {
  const s = await server();
  try {
    await s.call('POST', v2, { metadata: { name: 't' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, metrics: [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
      { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
    ] } });
    for (const base of [v1, v2]) {
      const t = (await s.call('GET', base, undefined, tableAccept)).json() as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
      assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
      assert.deepEqual(t.rows[0]?.cells.slice(0, 6), ['t', 'Deployment/web', 'cpu: <unknown>/50%, memory: <unknown>/100Mi + 1 more...', '1', 3, 0]);
    }
  } finally {
    await s.close();
  }
});

test('conversion keeps status metrics and conditions across v1', () => {
  const stored = {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x', namespace: 'n' },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
    status: { currentReplicas: 2, desiredReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 30, averageValue: '30m' } } }],
      conditions: [{ type: 'AbleToScale', status: 'True', reason: 'SucceededGetScale', message: 'm', lastTransitionTime: '2024-05-01T00:00:00Z' }] },
  };
  const one = hpaToV1(stored);
  assert.deepEqual(one.status, { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 30 });
  assert.deepEqual(hpaFromV1(one), stored);
});

test('every metric source survives v2 → v1 → v2, in spec and status', () => {
  const selector = { matchLabels: { app: 'web' } };
  const described = { kind: 'Ingress', name: 'main', apiVersion: 'networking.k8s.io/v1' };
  const stored = {
    apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x', namespace: 'n' },
    spec: {
      scaleTargetRef: { kind: 'Deployment', name: 'x' }, minReplicas: 1, maxReplicas: 9,
      metrics: [
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
        { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 60 } } },
        { type: 'Pods', pods: { metric: { name: 'qps', selector }, target: { type: 'AverageValue', averageValue: '10' } } },
        { type: 'Object', object: { describedObject: described, metric: { name: 'rps' }, target: { type: 'Value', value: '2k' } } },
        { type: 'Object', object: { describedObject: described, metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '50' } } },
        { type: 'External', external: { metric: { name: 'queue', selector }, target: { type: 'Value', value: '30' } } },
        { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '3' } } },
      ],
    },
    status: {
      currentReplicas: 2, desiredReplicas: 3,
      currentMetrics: [
        { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', current: { averageUtilization: 70, averageValue: '70m' } } },
        { type: 'Pods', pods: { metric: { name: 'qps', selector }, current: { averageValue: '12' } } },
        { type: 'Object', object: { describedObject: described, metric: { name: 'rps' }, current: { value: '2500', averageValue: '40' } } },
        { type: 'External', external: { metric: { name: 'queue', selector }, current: { value: '31', averageValue: '4' } } },
      ],
    },
  };
  const one = hpaToV1(stored);
  const annotations = one.metadata.annotations ?? {};
  assert.deepEqual(JSON.parse(annotations['autoscaling.alpha.kubernetes.io/metrics'] ?? '')[3], { type: 'Object', object: { target: described, metricName: 'rps', targetValue: '2k' } });
  assert.deepEqual(JSON.parse(annotations['autoscaling.alpha.kubernetes.io/current-metrics'] ?? '')[3], { type: 'External', external: { metricName: 'queue', metricSelector: selector, currentValue: '31', currentAverageValue: '4' } });
  assert.deepEqual(hpaFromV1(one), stored);
});

test('a metric source of an unknown type or with prototype keys converts to its type alone', () => {
  const one = hpaFromV1({
    apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x', annotations: { 'autoscaling.alpha.kubernetes.io/metrics': '[{"type":"__proto__","__proto__":{"x":1}},{"type":"Pods","pods":{"__proto__":{"metricName":"m"}}}]' } },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 2 },
  });
  assert.deepEqual((one.spec as { metrics: unknown[] }).metrics, [{ type: '__proto__' }, { type: 'Pods', pods: { metric: {}, target: { type: 'AverageValue' } } }]);
  assert.equal(({} as Record<string, unknown>)['x'], undefined);
});
