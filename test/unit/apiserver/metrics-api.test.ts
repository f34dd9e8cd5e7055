// metrics.k8s.io/v1beta1 through the assembled handler, with the nodes' summaries injected: discovery, get and
// list of NodeMetrics and PodMetrics, selectors on the described objects, metrics-server's NotFound texts,
// the table, and the canonical quantities.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import type { Summary } from '../../../src/api/stats-summary.js';
import { formatBinaryQuantity, formatDecimalQuantity } from '../../../src/api/quantity-format.js';
import { installMetricsApi } from '../../../src/apiserver/metrics-api/handler.js';
import { goDurationSeconds } from '../../../src/apiserver/metrics-api/convert.js';
import { testServer, type TestServer } from './helpers.js';

let s: TestServer;
const uids = new Map<string, string>();
const t = '2026-01-01T00:00:10Z';

function summaryFor(node: Readonly<KubeObject>): Summary | undefined {
  if (node.metadata.name === 'silent') return undefined;
  const pod = (name: string, cpu: number | undefined, ws: number) => ({
    podRef: { name, namespace: 'ns-1', uid: uids.get(name) ?? '' },
    containers: [{ name: 'main', cpu: { time: t, ...(cpu !== undefined ? { usageNanoCores: cpu, windowSeconds: 10.5 } : {}) }, memory: { time: t, workingSetBytes: ws } }],
  });
  return {
    node: { nodeName: 'n1', cpu: { time: t, usageNanoCores: 250_000_000, windowSeconds: 10 }, memory: { time: t, workingSetBytes: 512 * 1024 * 1024 } },
    pods: [pod('web', 1_500_000, 26_996_736), pod('db', 2_000_000_000, 1024), pod('fresh', undefined, 4096)],
  };
}

before(async () => {
  s = await testServer();
  installMetricsApi(s.api, { kubelet: { ca: '', cert: '', key: '' }, summaryOf: async (n) => summaryFor(n) });
  await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns-1' } });
  for (const name of ['n1', 'silent']) await s.call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { role: name === 'n1' ? 'worker' : 'spare' } } });
  for (const [name, node] of [['web', 'n1'], ['db', 'n1'], ['fresh', 'n1'], ['elsewhere', 'silent']] as const) {
    const r = await s.call('POST', '/api/v1/namespaces/ns-1/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: name } }, spec: { nodeName: node, containers: [{ name: 'main', image: 'busybox' }] } });
    assert.equal(r.status, 201, r.text);
    uids.set(name, String((r.json().metadata as { uid: string }).uid));
  }
});
after(() => s.close());

test('discovery lists metrics.k8s.io/v1beta1 with nodes and pods (get, list)', async () => {
  const groups = (await s.call('GET', '/apis')).json() as { groups: { name: string; preferredVersion: { groupVersion: string } }[] };
  assert.equal(groups.groups.find((g) => g.name === 'metrics.k8s.io')?.preferredVersion.groupVersion, 'metrics.k8s.io/v1beta1');
  const list = (await s.call('GET', '/apis/metrics.k8s.io/v1beta1')).json() as { resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[] };
  assert.deepEqual(list.resources.map((r) => [r.name, r.kind, r.namespaced, r.verbs]), [['nodes', 'NodeMetrics', false, ['get', 'list']], ['pods', 'PodMetrics', true, ['get', 'list']]]);
});

test('NodeMetrics: get and list (a node that answers nothing is left out), label selectors, NotFound', async () => {
  const got = await s.call('GET', '/apis/metrics.k8s.io/v1beta1/nodes/n1');
  assert.equal(got.status, 200, got.text);
  const m = got.json() as Record<string, any>;
  assert.equal(m['kind'], 'NodeMetrics');
  assert.deepEqual(m['usage'], { cpu: '250m', memory: '512Mi' });
  assert.equal(m['window'], '10s');
  assert.equal(m['timestamp'], t);
  assert.deepEqual(m['metadata']['labels'], { role: 'worker' });
  const list = (await s.call('GET', '/apis/metrics.k8s.io/v1beta1/nodes')).json() as { kind: string; items: KubeObject[] };
  assert.equal(list.kind, 'NodeMetricsList');
  assert.deepEqual(list.items.map((i) => i.metadata.name), ['n1']);
  assert.equal(((await s.call('GET', '/apis/metrics.k8s.io/v1beta1/nodes?labelSelector=role%3Dspare')).json() as { items: unknown[] }).items.length, 0);
  const missing = await s.call('GET', '/apis/metrics.k8s.io/v1beta1/nodes/silent');
  assert.equal(missing.status, 404);
  assert.equal((missing.json() as { message: string }).message, 'nodemetrics.metrics.k8s.io "silent" not found');
});

test('PodMetrics: per container, namespaced and across namespaces, selectors; unmeasured pods are left out', async () => {
  const web = (await s.call('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/ns-1/pods/web')).json() as Record<string, any>;
  assert.equal(web['kind'], 'PodMetrics');
  assert.deepEqual(web['containers'], [{ name: 'main', usage: { cpu: '1500u', memory: '26364Ki' } }]);
  assert.equal(web['window'], '10.5s');
  const names = async (url: string) => ((await s.call('GET', url)).json() as { items: KubeObject[] }).items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`);
  assert.deepEqual(await names('/apis/metrics.k8s.io/v1beta1/namespaces/ns-1/pods'), ['ns-1/db', 'ns-1/web']);
  assert.deepEqual(await names('/apis/metrics.k8s.io/v1beta1/pods'), ['ns-1/db', 'ns-1/web']);
  assert.deepEqual(await names('/apis/metrics.k8s.io/v1beta1/namespaces/ns-1/pods?labelSelector=app%3Ddb'), ['ns-1/db']);
  assert.deepEqual(await names('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods'), []);
  const fresh = await s.call('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/ns-1/pods/fresh');
  assert.equal(fresh.status, 404);
  assert.equal((fresh.json() as { message: string }).message, 'podmetrics.metrics.k8s.io "ns-1/fresh" not found');
});

test('the table has metrics-server\'s columns; writes and watch are refused', async () => {
  const table = (await s.call('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/ns-1/pods', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json() as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
  assert.deepEqual(table.columnDefinitions.map((c) => c.name), ['Name', 'CPU', 'Memory', 'Window']);
  assert.deepEqual(table.rows[0]?.cells, ['db', '2', '1Ki', '10.5s']);
  assert.equal((await s.call('DELETE', '/apis/metrics.k8s.io/v1beta1/nodes/n1')).status, 405);
  assert.equal((await s.call('GET', '/apis/metrics.k8s.io/v1beta1/nodes?watch=true')).status, 405);
});

test('canonical quantities and Go durations', () => {
  assert.equal(formatDecimalQuantity(123456789, -9), '123456789n');
  assert.equal(formatDecimalQuantity(1_500_000, -9), '1500u');
  assert.equal(formatDecimalQuantity(250_000_000, -9), '250m');
  assert.equal(formatDecimalQuantity(2_000_000_000, -9), '2');
  assert.equal(formatDecimalQuantity(0, -9), '0');
  assert.equal(formatDecimalQuantity(2000), '2k');
  assert.equal(formatBinaryQuantity(26_996_736), '26364Ki');
  assert.equal(formatBinaryQuantity(512 * 1024 * 1024), '512Mi');
  assert.equal(formatBinaryQuantity(1000), '1000');
  assert.equal(formatBinaryQuantity(1_000_001), '1000001');
  assert.equal(goDurationSeconds(10), '10s');
  assert.equal(goDurationSeconds(9.5), '9.5s');
  assert.equal(goDurationSeconds(60.25), '1m0.25s');
  assert.equal(goDurationSeconds(0), '0s');
});
