// API Priority and Fairness in an in-process API server: the configuration objects it keeps, the Dangling
// condition, validation, the response headers, and a Reject level refusing one user while an admin goes through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApiServer, type ApiServer } from '../../../../src/apiserver/api-server.js';
import type { Authenticator } from '../../../../src/auth/types.js';
import { createMemoryStorage } from '../../../../src/storage/memory.js';
import { allowAll, collect } from '../helpers.js';

const users: Authenticator = {
  async authenticate(req) {
    const h = req.headers['authorization'];
    if (h === 'Bearer admin') return { kind: 'ok', user: { name: 'admin', groups: ['system:masters', 'system:authenticated'] } };
    if (typeof h === 'string' && h.startsWith('Bearer user-')) return { kind: 'ok', user: { name: h.slice('Bearer user-'.length), groups: ['system:authenticated'] } };
    return { kind: 'skip' };
  },
};

const FC = '/apis/flowcontrol.apiserver.k8s.io/v1';

async function server(): Promise<{ api: ApiServer; call: (method: string, url: string, body?: unknown, who?: string) => ReturnType<typeof collect> }> {
  const api = await createApiServer({ storage: createMemoryStorage(), authenticator: users, authorizer: allowAll, compactionIntervalMs: 0, maxInFlight: { readOnly: 400, mutating: 200 } });
  const call = async (method: string, url: string, body?: unknown, who = 'admin') =>
    collect(await api.handle({ method, url, headers: { authorization: `Bearer ${who}`, ...(body ? { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) }));
  return { api, call };
}

async function eventually<T>(what: string, f: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the mandatory and suggested objects are created, the mandatory ones come back when deleted, Dangling is reported', async () => {
  const { api, call } = await server();
  try {
    const names = await eventually('the configuration objects', async () => {
      const list = (await call('GET', `${FC}/flowschemas`)).json() as { items: { metadata: { name: string } }[] };
      return list.items.length === 13 ? list.items.map((i) => i.metadata.name).sort() : undefined;
    });
    assert.deepEqual(names, ['catch-all', 'endpoint-controller', 'exempt', 'global-default', 'kube-controller-manager', 'kube-scheduler', 'kube-system-service-accounts', 'probes', 'service-accounts', 'system-leader-election', 'system-node-high', 'system-nodes', 'workload-leader-election']);
    const levels = (await call('GET', `${FC}/prioritylevelconfigurations`)).json() as { items: { metadata: { name: string; annotations: Record<string, string> }; spec: unknown }[] };
    assert.equal(levels.items.length, 8);
    const exempt = levels.items.find((l) => l.metadata.name === 'exempt');
    assert.deepEqual(exempt?.spec, { type: 'Exempt', exempt: { nominalConcurrencyShares: 0, lendablePercent: 0 } });
    assert.equal(exempt?.metadata.annotations['apf.kubernetes.io/autoupdate-spec'], 'true');

    // a mandatory object cannot be changed, and comes back when deleted
    const bad = await call('PATCH', `${FC}/prioritylevelconfigurations/catch-all`, { spec: { limited: { nominalConcurrencyShares: 50 } } });
    assert.equal(bad.status, 422, bad.text);
    assert.match(bad.json()['message'] as string, /spec: Invalid value: .*: spec of 'catch-all' must equal the fixed value/);
    await call('DELETE', `${FC}/flowschemas/catch-all`);
    await eventually('catch-all back', async () => ((await call('GET', `${FC}/flowschemas/catch-all`)).status === 200 ? true : undefined));

    // a suggested object with autoupdate false keeps the user's spec; with true it is put back
    const gd = (await call('GET', `${FC}/prioritylevelconfigurations/global-default`)).json() as { metadata: { resourceVersion: string } };
    assert.ok(gd.metadata.resourceVersion);

    // Dangling: a schema naming a missing level
    const created = await call('POST', `${FC}/flowschemas`, {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: 'orphan' },
      spec: { priorityLevelConfiguration: { name: 'nowhere' }, rules: [{ subjects: [{ kind: 'User', user: { name: 'x' } }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }] }] },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal((created.json()['spec'] as { matchingPrecedence: number }).matchingPrecedence, 1000);
    const condition = await eventually('the Dangling condition', async () => {
      const fs = (await call('GET', `${FC}/flowschemas/orphan`)).json() as { status?: { conditions?: Record<string, string>[] } };
      return fs.status?.conditions?.find((c) => c['type'] === 'Dangling');
    });
    assert.equal(condition['status'], 'True');
    assert.equal(condition['reason'], 'NotFound');
    assert.equal(condition['message'], 'This FlowSchema references the PriorityLevelConfiguration object named "nowhere" but there is no such object');
    const table = await collect(await api.handle({ method: 'GET', url: `${FC}/flowschemas/orphan`, headers: { authorization: 'Bearer admin', accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } }));
    const t = table.json() as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    assert.deepEqual(t.columnDefinitions.map((c) => c.name), ['Name', 'PriorityLevel', 'MatchingPrecedence', 'DistinguisherMethod', 'Age', 'MissingPL']);
    assert.deepEqual([t.rows[0]!.cells[1], t.rows[0]!.cells[2], t.rows[0]!.cells[3], t.rows[0]!.cells[5]], ['nowhere', 1000, '<none>', 'True']);
  } finally {
    await api.close();
  }
});

test('validation speaks kube-apiserver\'s texts', async () => {
  const { api, call } = await server();
  try {
    const r = await call('POST', `${FC}/prioritylevelconfigurations`, {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name: 'bad' },
      spec: { type: 'Limited', limited: { lendablePercent: 101, limitResponse: { type: 'Queue', queuing: { queues: 10, handSize: 20 } } } },
    });
    assert.equal(r.status, 422);
    const msg = r.json()['message'] as string;
    assert.match(msg, /spec\.limited\.limitResponse\.queuing\.handSize: Invalid value: 20: should not be greater than queues \(10\)/);
    assert.match(msg, /spec\.limited\.lendablePercent: Invalid value: 101: must be between 0 and 100, inclusive/);
    const fs = await call('POST', `${FC}/flowschemas`, {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: 'bad' },
      spec: { priorityLevelConfiguration: { name: 'x' }, matchingPrecedence: 1, rules: [{ subjects: [], resourceRules: [{ verbs: ['get', '*'], apiGroups: [''], resources: ['pods'] }] }] },
    });
    assert.equal(fs.status, 422);
    const m = fs.json()['message'] as string;
    assert.match(m, /spec\.matchingPrecedence: Invalid value: 1: only the schema named 'exempt' may have matchingPrecedence 1/);
    assert.match(m, /spec\.rules\[0\]\.subjects: Required value: subjects must contain at least one value/);
    assert.match(m, /spec\.rules\[0\]\.resourceRules\[0\]\.verbs: Invalid value: \["get","\*"\]: if '\*' is present, must not specify other verbs/);
    assert.match(m, /spec\.rules\[0\]\.resourceRules\[0\]\.namespaces: Required value: resource rules that are not cluster scoped must supply at least one namespace/);
  } finally {
    await api.close();
  }
});

test('headers name the schema and level; a Reject level with its seat taken refuses that user, never the admin', async () => {
  const { api, call } = await server();
  try {
    await eventually('configuration', async () => ((await call('GET', `${FC}/flowschemas/global-default`)).status === 200 ? true : undefined));
    const pl = await call('POST', `${FC}/prioritylevelconfigurations`, {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'PriorityLevelConfiguration', metadata: { name: 'one-seat' },
      spec: { type: 'Limited', limited: { nominalConcurrencyShares: 1, limitResponse: { type: 'Reject' } } },
    });
    assert.equal(pl.status, 201, pl.text);
    const fs = await call('POST', `${FC}/flowschemas`, {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind: 'FlowSchema', metadata: { name: 'limit-carol' },
      spec: { priorityLevelConfiguration: { name: 'one-seat' }, matchingPrecedence: 500, rules: [{ subjects: [{ kind: 'User', user: { name: 'carol' } }], nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }] }] },
    });
    assert.equal(fs.status, 201, fs.text);
    const uid = (o: typeof fs) => (o.json()['metadata'] as { uid: string }).uid;
    // ceil(600 × 1 / 246) = 3 seats: hold them all
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    api.registerNonResource('/slow', async () => {
      await held;
      return { status: 200, headers: {}, body: 'done' };
    });
    await eventually('the new schema in use', async () => {
      const r = await call('GET', '/version', undefined, 'user-carol');
      return r.headers['x-kubernetes-pf-flowschema-uid'] === uid(fs) ? r : undefined;
    });
    const slow = [1, 2, 3].map(() => call('GET', '/slow', undefined, 'user-carol'));
    await new Promise((r) => setTimeout(r, 50));
    const refused = await call('GET', '/version', undefined, 'user-carol');
    assert.equal(refused.status, 429);
    assert.equal(refused.text, 'Too many requests, please try again later.\n');
    assert.equal(refused.headers['retry-after'], '1');
    assert.equal(refused.headers['x-kubernetes-pf-flowschema-uid'], uid(fs));
    assert.equal(refused.headers['x-kubernetes-pf-prioritylevel-uid'], uid(pl));
    const other = await call('GET', '/version', undefined, 'user-dave');
    assert.equal(other.status, 200);
    const admin = await call('GET', '/version');
    assert.equal(admin.status, 200);
    const exemptUid = ((await call('GET', `${FC}/flowschemas/exempt`)).json()['metadata'] as { uid: string }).uid;
    assert.equal(admin.headers['x-kubernetes-pf-flowschema-uid'], exemptUid);
    const metrics = (await call('GET', '/metrics')).text;
    assert.match(metrics, /^apiserver_flowcontrol_rejected_requests_total\{flow_schema="limit-carol",priority_level="one-seat",reason="concurrency-limit"\} 1$/m);
    assert.match(metrics, /^apiserver_flowcontrol_current_executing_requests\{flow_schema="limit-carol",priority_level="one-seat"\} 3$/m);
    assert.match(metrics, /^apiserver_flowcontrol_nominal_limit_seats\{priority_level="one-seat"\} 3$/m);
    assert.match(metrics, /^apiserver_flowcontrol_dispatched_requests_total\{flow_schema="global-default",priority_level="global-default"\} \d+$/m);
    assert.match(metrics, /^# TYPE apiserver_flowcontrol_current_inqueue_requests gauge$/m);
    release();
    for (const s of await Promise.all(slow)) assert.equal(s.status, 200);
    assert.equal((await call('GET', '/version', undefined, 'user-carol')).status, 200);
  } finally {
    await api.close();
  }
});
