// Bounded resources at the API server: the in-flight limits, read-only and mutating (429 + Retry-After),
// storage compaction on a timer with space given back, and /metrics reporting them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiServer } from '../../../src/apiserver/api-server.js';
import type { Authenticator } from '../../../src/auth/types.js';
import { startCompactor } from '../../../src/storage/compactor.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { openSqliteStorage } from '../../../src/storage/sqlite.js';
import { allowAll, collect } from './helpers.js';

const users: Authenticator = {
  async authenticate(req) {
    const h = req.headers['authorization'];
    if (h === 'Bearer admin') return { kind: 'ok', user: { name: 'admin', groups: ['system:masters'] } };
    if (h === 'Bearer user') return { kind: 'ok', user: { name: 'user', groups: ['system:authenticated'] } };
    return { kind: 'skip' };
  },
};

test('one request over the read-only limit is answered 429 with Retry-After; masters and watches are not limited', async () => {
  const api = await createApiServer({ storage: createMemoryStorage(), authenticator: users, authorizer: allowAll, maxInFlight: { readOnly: 1, mutating: 1 }, priorityAndFairness: false, compactionIntervalMs: 0 });
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  api.registerNonResource('/slow', async () => {
    await held;
    return { status: 200, headers: {}, body: 'done' };
  });
  const as = (token: string, url: string, method = 'GET') => api.handle({ method, url, headers: { authorization: `Bearer ${token}` } });
  const slow = as('user', '/slow');
  const refused = await collect(await as('user', '/version'));
  assert.equal(refused.status, 429);
  assert.equal(refused.headers['retry-after'], '1');
  assert.equal(refused.text, 'Too many requests, please try again later.\n');
  assert.equal((await as('admin', '/version')).status, 200);
  // a mutating request has its own budget
  assert.equal((await as('user', '/api/v1/namespaces', 'POST')).status, 400);
  const metrics = await collect(await as('admin', '/metrics'));
  assert.match(metrics.text, /^apiserver_current_inflight_requests\{request_kind="readOnly"\} 1$/m);
  assert.match(metrics.text, /^akube_inflight_requests_rejected_total 1$/m);
  release();
  assert.equal((await slow).status, 200);
  assert.equal((await as('user', '/version')).status, 200);
  await api.close();
});

test('one request over the mutating limit is answered 429 with Retry-After; reads and masters are not limited by it', async () => {
  const api = await createApiServer({ storage: createMemoryStorage(), authenticator: users, authorizer: allowAll, maxInFlight: { readOnly: 1, mutating: 1 }, priorityAndFairness: false, compactionIntervalMs: 0 });
  const as = (token: string, method: string, url: string, body?: unknown) =>
    api.handle({ method, url, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const cms = '/api/v1/namespaces/default/configmaps';
  const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
  assert.equal((await as('admin', 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } })).status, 201);
  // A slow mutating webhook holds the first ConfigMap create in flight.
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  let admitted = 0;
  api.registerAdmission({
    name: 'MutatingAdmissionWebhook',
    handles: (req) => req.operation === 'CREATE' && req.resource.resource === 'configmaps',
    async admit() {
      admitted++;
      await held;
    },
  });
  const slow = as('user', 'POST', cms, configMap('a'));
  for (let i = 0; i < 50 && admitted < 1; i++) await new Promise((r) => setImmediate(r));
  assert.equal(admitted, 1);
  for (const [method, url, body] of [['POST', cms, configMap('b')], ['DELETE', `${cms}/x`, undefined], ['PATCH', `${cms}/x`, undefined]] as const) {
    const refused = await collect(await as('user', method, url, body));
    assert.equal(refused.status, 429, `${method}: ${refused.text}`);
    assert.equal(refused.headers['retry-after'], '1');
    assert.equal(refused.text, 'Too many requests, please try again later.\n');
  }
  assert.equal(admitted, 1, 'refused before admission');
  // reads have their own budget; masters are not counted
  assert.equal((await as('user', 'GET', `${cms}/x`)).status, 404);
  assert.equal((await as('admin', 'DELETE', `${cms}/x`)).status, 404);
  const metrics = await collect(await as('admin', 'GET', '/metrics'));
  assert.match(metrics.text, /^apiserver_current_inflight_requests\{request_kind="mutating"\} 1$/m);
  assert.match(metrics.text, /^akube_inflight_requests_rejected_total 3$/m);
  release();
  assert.equal((await slow).status, 201);
  assert.equal((await as('user', 'POST', cms, configMap('b'))).status, 201);
  await api.close();
});

test('the compactor compacts to the revision seen one interval earlier', async () => {
  const storage = createMemoryStorage();
  await storage.create('/a', '1');
  const c = startCompactor({ storage, intervalMs: 0 });
  await c.tick(); // notes revision 1
  assert.equal(await storage.compactedRevision(), 0);
  await storage.update('/a', '2', 1);
  await storage.update('/a', '3', 2);
  await c.tick(); // compacts to 1, notes 3
  assert.equal(await storage.compactedRevision(), 1);
  await c.tick(); // compacts to 3
  assert.equal(await storage.compactedRevision(), 3);
  assert.deepEqual({ ...c.stats(), lastDurationMs: 0 }, { compactions: 2, lastRevision: 3, lastDurationMs: 0 });
  await c.tick(); // nothing new
  assert.equal(c.stats().compactions, 2);
  c.stop();
  await storage.close();
});

test('SQLite: compaction gives the freed pages back and /metrics reports the database size', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akube-compact-'));
  try {
    const storage = openSqliteStorage(join(dir, 'state.db'));
    const big = 'x'.repeat(8192);
    let rev = await storage.create('/k', big);
    for (let i = 0; i < 300; i++) rev = await storage.update('/k', `${big}${i}`, rev);
    const before = storage.sizeBytes();
    await storage.compact(rev);
    const after = storage.sizeBytes();
    assert.ok(after < before / 4, `database ${before} → ${after} bytes`);
    assert.equal((await storage.get('/k'))?.value, `${big}299`);
    const api = await createApiServer({ storage, authenticator: users, authorizer: allowAll, compactionIntervalMs: 0 });
    const metrics = await collect(await api.handle({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer admin' } }));
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, new RegExp(`^apiserver_storage_size_bytes\\{storage_cluster_id="sqlite"\\} ${storage.sizeBytes()}$`, 'm'));
    await api.close();
    await storage.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('/metrics counts requests by verb, resource and code, times them, and shows open watches and stored objects', async () => {
  const api = await createApiServer({ storage: createMemoryStorage(), authenticator: users, authorizer: allowAll });
  try {
    const as = (method: string, url: string, token?: string, body?: string) =>
      api.handle({ method, url, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body } : {}) });
    const cms = '/api/v1/namespaces/default/configmaps';
    assert.equal((await as('POST', '/api/v1/namespaces', 'admin', JSON.stringify({ metadata: { name: 'default' } }))).status, 201);
    assert.equal((await as('POST', cms, 'admin', JSON.stringify({ metadata: { name: 'a' } }))).status, 201);
    assert.equal((await as('GET', `${cms}/a`, 'admin')).status, 200);
    assert.equal((await as('GET', `${cms}/missing`, 'admin')).status, 404);
    assert.equal((await as('GET', cms, 'admin')).status, 200);
    assert.equal((await as('GET', '/apis/made.up/v1/things', 'admin')).status, 404);
    const watch = await as('GET', `${cms}?watch=1`, 'admin');
    const iterator = (watch.body as AsyncIterable<string>)[Symbol.asyncIterator]();
    await iterator.next(); // a's ADDED
    const next = iterator.next();
    assert.equal((await as('POST', cms, 'admin', JSON.stringify({ metadata: { name: 'b' } }))).status, 201);
    assert.match((await next).value as string, /"ADDED".*"b"/, 'the watch follows the cache by now');

    const scrape = async (): Promise<string> => (await collect(await as('GET', '/metrics', 'admin'))).text;
    let text = await scrape();
    const series = (name: string, labels: string): string => `^${name}\\{${labels.replace(/[{}]/g, '\\$&')}\\} `;
    const common = 'group="",version="v1",resource="configmaps",subresource=""';
    assert.match(text, new RegExp(`${series('apiserver_request_total', `verb="POST",dry_run="",${common},scope="namespace",component="apiserver",code="201"`)}2$`, 'm'));
    assert.match(text, new RegExp(`${series('apiserver_request_total', `verb="GET",dry_run="",${common},scope="resource",component="apiserver",code="200"`)}1$`, 'm'));
    assert.match(text, new RegExp(`${series('apiserver_request_total', `verb="GET",dry_run="",${common},scope="resource",component="apiserver",code="404"`)}1$`, 'm'));
    assert.match(text, new RegExp(`${series('apiserver_request_total', `verb="LIST",dry_run="",${common},scope="namespace",component="apiserver",code="200"`)}1$`, 'm'));
    assert.match(text, /^apiserver_request_total\{verb="LIST",dry_run="",group="",version="",resource="",subresource="",scope="",component="apiserver",code="404"\} 1$/m, 'a resource nobody serves is not a label');
    assert.doesNotMatch(text, /made\.up/);
    assert.match(text, new RegExp(`${series('apiserver_request_duration_seconds_count', `verb="POST",dry_run="",${common},scope="namespace",component="apiserver"`)}2$`, 'm'));
    assert.match(text, new RegExp(`${series('apiserver_longrunning_requests', `verb="WATCH",${common},scope="namespace",component="apiserver"`)}1$`, 'm'));
    assert.match(text, /^apiserver_storage_objects\{resource="configmaps"\} 2$/m);
    assert.match(text, /^apiserver_registered_watchers\{resource="configmaps"\} 1$/m);
    assert.match(text, /^process_resident_memory_bytes \d+$/m);

    await iterator.return?.();
    text = await scrape();
    assert.match(text, /^apiserver_registered_watchers\{resource="configmaps"\} 0$/m);
    assert.match(text, new RegExp(`${series('apiserver_longrunning_requests', `verb="WATCH",${common},scope="namespace",component="apiserver"`)}0$`, 'm'));
    assert.match(text, new RegExp(`${series('apiserver_request_duration_seconds_count', `verb="WATCH",dry_run="",${common},scope="namespace",component="apiserver"`)}1$`, 'm'));
  } finally {
    await api.close();
  }
});
