import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Authenticator, Authorizer } from '../../../src/auth/types.js';
import { buildHandlerChain } from '../../../src/apiserver/chain.js';
import type { ApiRequest, ApiResponse, Handler, HeaderMap } from '../../../src/apiserver/types.js';
import { createAuditor, parsePolicy, RequestAudit, type AuditBackend, type AuditEvent, type PendingEvent } from '../../../src/audit/index.js';
import { errors } from '../../../src/api/status.js';

const authenticator: Authenticator = {
  async authenticate(req) {
    const h = req.headers['authorization'];
    if (h === undefined) return { kind: 'skip' };
    if (h === 'Bearer alice') return { kind: 'ok', user: { name: 'alice', groups: ['devs'] } };
    if (h === 'Bearer admin') return { kind: 'ok', user: { name: 'root', groups: ['system:masters'] } };
    return { kind: 'fail', reason: 'bad token' };
  },
};

const authorizer: Authorizer = {
  async authorize(a) {
    if (a.user.groups.includes('system:masters')) return { decision: 'allow', reason: '' };
    if (a.user.name === 'alice' && (a.resource === 'pods' || a.resource === 'configmaps')) return { decision: 'allow', reason: 'RBAC: allowed by RoleBinding "b/ns" of Role "r" to User "alice"' };
    return { decision: 'no-opinion', reason: '' };
  },
};

class Memory implements AuditBackend {
  readonly name = 'memory';
  held: PendingEvent[] = [];
  /** The events, built when the test reads them (as a backend builds them when it writes, after the request). */
  get events(): AuditEvent[] {
    return this.held.map((e) => e.event());
  }
  process(events: readonly PendingEvent[]) {
    this.held.push(...events);
  }
  async flush() {}
  async close() {}
}

function setUp(policyYaml: string, route: Handler) {
  const backend = new Memory();
  const handle = buildHandlerChain({ authenticator, authorizer, route, auditor: createAuditor(parsePolicy(policyYaml), [backend]) });
  return { handle, events: () => backend.events };
}

const metadataAll = 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n';
const ok: Handler = async () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"}}' });

function req(url: string, headers: HeaderMap = {}, method = 'GET', body?: string): ApiRequest {
  return { method, url, headers, remoteAddress: '::ffff:10.0.0.7', ...(body !== undefined ? { body: async () => Buffer.from(body) } : {}) };
}

test('an allowed request: RequestReceived and ResponseComplete, with the decision and the reason, and Audit-Id on the reply', async () => {
  const a = setUp(metadataAll, ok);
  const r = await a.handle(req('/api/v1/namespaces/ns/pods/p', { authorization: 'Bearer alice', 'user-agent': 'curl/8', 'x-forwarded-for': '192.0.2.1, 192.0.2.2' }));
  assert.equal(r.status, 200);
  const [received, complete] = a.events();
  assert.equal(a.events().length, 2);
  assert.equal(received!.stage, 'RequestReceived');
  assert.equal(complete!.stage, 'ResponseComplete');
  assert.equal(r.headers['audit-id'], complete!.auditID);
  assert.equal(received!.auditID, complete!.auditID);
  // events are built after the request: each still shows its stage as it was (authorization came after receipt)
  assert.equal(received!.annotations, undefined);
  assert.ok(received!.stageTimestamp <= complete!.stageTimestamp);
  assert.deepEqual(complete!.user, { username: 'alice', groups: ['devs', 'system:authenticated'] });
  assert.deepEqual(complete!.objectRef, { resource: 'pods', namespace: 'ns', name: 'p', apiVersion: 'v1' });
  assert.deepEqual(complete!.responseStatus, { metadata: {}, code: 200 });
  assert.deepEqual(complete!.sourceIPs, ['192.0.2.1', '192.0.2.2', '10.0.0.7']);
  assert.equal(complete!.userAgent, 'curl/8');
  assert.equal(complete!.verb, 'get');
  assert.equal(complete!.level, 'Metadata');
  assert.equal(complete!.requestObject, undefined);
  assert.equal(complete!.responseObject, undefined);
  assert.deepEqual(complete!.annotations, { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by RoleBinding "b/ns" of Role "r" to User "alice"' });
  assert.match(complete!.stageTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
});

test('a forbidden request records the Status of the reply and decision forbid', async () => {
  const a = setUp(metadataAll, ok);
  const r = await a.handle(req('/api/v1/namespaces/ns/secrets', { authorization: 'Bearer alice' }));
  assert.equal(r.status, 403);
  const complete = a.events().at(-1)!;
  assert.equal(complete.annotations?.['authorization.k8s.io/decision'], 'forbid');
  assert.equal(complete.responseStatus?.code, 403);
  assert.equal(complete.responseStatus?.reason, 'Forbidden');
  assert.match(complete.responseStatus?.message ?? '', /^secrets is forbidden: User "alice" cannot list resource "secrets"/);
});

test('a failed authentication is one ResponseStarted event with the methods tried', async () => {
  const a = setUp(metadataAll, ok);
  const r = await a.handle(req('/api/v1/pods', { authorization: 'Bearer garbage' }));
  assert.equal(r.status, 401);
  assert.ok(r.headers['audit-id']);
  assert.equal(a.events().length, 1);
  const e = a.events()[0]!;
  assert.equal(e.stage, 'ResponseStarted');
  assert.deepEqual(e.user, {});
  assert.deepEqual(e.responseStatus, { metadata: {}, code: 401, message: 'Authentication failed, attempted: bearer' });
});

test('levels: Request carries the request object, RequestResponse the response too; omitStages and omitManagedFields', async () => {
  const policy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: RequestResponse
  resources: [{group: '', resources: [pods]}]
  omitManagedFields: true
- level: Request
  resources: [{group: '', resources: [configmaps]}]
`;
  const echo: Handler = async (r) => {
    const body = typeof r.body === 'function' ? Buffer.from(await r.body()).toString() : '{}';
    return { status: 201, headers: { 'content-type': 'application/json' }, body };
  };
  const a = setUp(policy, echo);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', managedFields: [{ manager: 'x' }] } };
  await a.handle(req('/api/v1/namespaces/ns/pods', { authorization: 'Bearer alice', 'content-type': 'application/json' }, 'POST', JSON.stringify(pod)));
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: 'v' } };
  await a.handle(req('/api/v1/namespaces/ns/configmaps', { authorization: 'Bearer alice', 'content-type': 'application/json' }, 'POST', JSON.stringify(cm)));
  const [podEvent, cmEvent] = a.events();
  assert.equal(a.events().length, 2, 'RequestReceived is omitted');
  assert.equal(podEvent!.level, 'RequestResponse');
  assert.deepEqual(podEvent!.requestObject, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' } });
  assert.deepEqual(podEvent!.responseObject, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' } });
  assert.equal(podEvent!.objectRef?.name, 'web', 'a create names its object from the body');
  assert.equal(cmEvent!.level, 'Request');
  assert.deepEqual(cmEvent!.requestObject, cm);
  assert.equal(cmEvent!.responseObject, undefined);
});

test('a watch: ResponseStarted when the stream starts, ResponseComplete when it ends', async () => {
  async function* stream() {
    yield '{"type":"ADDED"}\n';
  }
  const a = setUp(metadataAll, async () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: stream() }));
  const r = await a.handle(req('/api/v1/pods?watch=true', { authorization: 'Bearer admin' }));
  assert.deepEqual(a.events().map((e) => e.stage), ['RequestReceived', 'ResponseStarted']);
  const chunks: string[] = [];
  for await (const c of r.body as AsyncIterable<string>) chunks.push(c);
  assert.deepEqual(chunks, ['{"type":"ADDED"}\n']);
  assert.deepEqual(a.events().map((e) => e.stage), ['RequestReceived', 'ResponseStarted', 'ResponseComplete']);
  assert.equal(a.events()[2]!.verb, 'watch');
});

test('a Status error thrown by the handler is recorded like any reply; an unexpected failure is a Panic event', async () => {
  const a = setUp(metadataAll, async () => {
    throw errors.notFound({ group: '', resource: 'pods' }, 'p');
  });
  const r = await a.handle(req('/api/v1/namespaces/ns/pods/p', { authorization: 'Bearer admin' }));
  assert.equal(r.status, 404);
  assert.equal(a.events().at(-1)!.responseStatus?.reason, 'NotFound');
  const b = setUp(metadataAll, async () => {
    throw new TypeError('boom');
  });
  const r2 = await b.handle(req('/api/v1/namespaces/ns/pods/p', { authorization: 'Bearer admin' }));
  assert.equal(r2.status, 500);
  const panic = b.events().at(-1)!;
  assert.equal(panic.stage, 'Panic');
  assert.equal(panic.responseStatus?.code, 500);
});

test('impersonation: user is who authenticated, impersonatedUser who was acted as', async () => {
  const a = setUp(metadataAll, ok);
  await a.handle(req('/api/v1/namespaces/ns/pods/p', { authorization: 'Bearer admin', 'impersonate-user': 'bob' }));
  const [received, e] = a.events();
  assert.equal(e!.user.username, 'root');
  assert.equal(e!.impersonatedUser?.username, 'bob');
  // the receipt came before impersonation was known
  assert.equal(received!.user.username, 'root');
  assert.equal(received!.impersonatedUser, undefined);
});

test('level None records nothing; a client Audit-ID is reused when it is a plain token', async () => {
  const a = setUp('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  users: [alice]\n- level: Metadata\n', ok);
  await a.handle(req('/api/v1/namespaces/ns/pods/p', { authorization: 'Bearer alice' }));
  assert.equal(a.events().length, 0);
  const r = await a.handle(req('/api/v1/namespaces/ns/pods/p', { authorization: 'Bearer admin', 'audit-id': 'trace-123' }));
  assert.equal(r.headers['audit-id'], 'trace-123');
  const r2: ApiResponse = await a.handle(req('/api/v1/namespaces/ns/pods/p', { authorization: 'Bearer admin', 'audit-id': 'bad id\n' }));
  assert.notEqual(r2.headers['audit-id'], 'bad id\n');
});

test('the RequestReceived event comes before the body is read; the later events still carry the request object', async () => {
  const a = setUp('apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Request\n', async (r) => {
    if (typeof r.body === 'function') await r.body();
    return { status: 201, headers: { 'content-type': 'application/json' }, body: '{}' };
  });
  await a.handle(req('/api/v1/namespaces/ns/configmaps', { authorization: 'Bearer alice', 'content-type': 'application/json' }, 'POST', '{"metadata":{"name":"c1"}}'));
  const [received, complete] = a.events();
  assert.equal(received!.requestObject, undefined);
  assert.equal(received!.objectRef?.name, undefined);
  assert.deepEqual(complete!.requestObject, { metadata: { name: 'c1' } });
  assert.equal(complete!.objectRef?.name, 'c1');
});

test('every reply carries Audit-Id with no audit configured, as kube-apiserver sends it; annotations are not kept then', async () => {
  const handle = buildHandlerChain({ authenticator, authorizer, route: ok });
  const r = await handle(req('/api/v1/namespaces/ns/pods/p', { authorization: 'Bearer admin' }));
  assert.match(String(r.headers['audit-id']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const again = await handle(req('/api/v1/namespaces/ns/pods/p', { authorization: 'Bearer admin' }));
  assert.notEqual(again.headers['audit-id'], r.headers['audit-id']);
  assert.equal((await handle(req('/api/v1/namespaces/ns/pods/p', { authorization: 'Bearer admin', 'audit-id': 'trace-9' }))).headers['audit-id'], 'trace-9');
  assert.ok((await handle(req('/api/v1/namespaces/ns/pods/p', { authorization: 'Bearer nobody' }))).headers['audit-id'], 'a 401 too');
});

test('a long-running request answered with a whole body (logs without follow, a refused watch) has a ResponseStarted too', async () => {
  const a = setUp(metadataAll, ok);
  await a.handle(req('/api/v1/namespaces/ns/pods/p/log', { authorization: 'Bearer admin' }));
  assert.deepEqual(a.events().map((e) => [e.stage, e.responseStatus?.code]), [['RequestReceived', undefined], ['ResponseStarted', 200], ['ResponseComplete', 200]]);
  const refused = setUp(metadataAll, ok);
  await refused.handle(req('/api/v1/namespaces/ns/secrets?watch=true', { authorization: 'Bearer alice' }));
  assert.deepEqual(refused.events().map((e) => [e.stage, e.responseStatus?.code]), [['RequestReceived', undefined], ['ResponseStarted', 403], ['ResponseComplete', 403]]);
  const plain = setUp(metadataAll, ok);
  await plain.handle(req('/api/v1/namespaces/ns/pods/p', { authorization: 'Bearer admin' }));
  assert.deepEqual(plain.events().map((e) => e.stage), ['RequestReceived', 'ResponseComplete']);
});

test('warnings given before a stage answers (authentication ignoring a credential) reach a 403 from authorization', async () => {
  const warner: Authenticator = { async authenticate(r) { r.warn?.('ignored'); return { kind: 'ok', user: { name: 'nobody', groups: [] } }; } };
  const handle = buildHandlerChain({ authenticator: warner, authorizer, route: ok });
  const r = await handle(req('/api/v1/namespaces/ns/secrets'));
  assert.equal(r.status, 403);
  assert.deepEqual(r.headers['warning'], ['299 - "ignored"']);
});

test('a record keeps the request body until its event is built; a stage recorded after that still shows the object', () => {
  const audit = new RequestAudit('id-1');
  const attributes = { user: undefined, verb: 'create', resourceRequest: true, namespace: 'ns', apiGroup: '', resource: 'configmaps', subresource: '', name: '', path: '/api/v1/namespaces/ns/configmaps' };
  audit.config = { level: 'Request', omitStages: new Set(), omitManagedFields: false };
  audit.facts = { method: 'POST', requestURI: attributes.path, attributes, apiVersion: 'v1', sourceIPs: [], userAgent: undefined, contentType: 'application/json' };
  const before = audit.record('RequestReceived');
  audit.requestBytes = Buffer.from('{"metadata":{"name":"c1"}}');
  const started = audit.record('ResponseStarted', { status: { metadata: {}, code: 201 } });
  assert.equal(before.heldBytes, 0);
  assert.equal(started.heldBytes, 26);
  assert.equal(started.event().objectRef?.name, 'c1');
  assert.equal(audit.requestBytes, undefined, 'the bytes go once the object is decoded');
  const complete = audit.record('ResponseComplete', { status: { metadata: {}, code: 201 } });
  assert.equal(complete.heldBytes, 0);
  assert.deepEqual(complete.event().requestObject, { metadata: { name: 'c1' } });
  assert.equal(before.event().requestObject, undefined);
  assert.equal(started.event(), started.event(), 'built once');
  // a response object recorded (RequestResponse) counts the body it was read from
  assert.equal(audit.record('ResponseComplete', { status: { metadata: {}, code: 201 }, object: { kind: 'ConfigMap' }, bodyBytes: 20 }).heldBytes, 20);
});
