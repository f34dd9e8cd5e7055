// The console's server side in-process: sessions (cookie flags, expiry), CSRF, same-origin checks, and that every
// request to the API server carries the signed-in person's own credential and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assetsFrom } from '../../../src/console/assets.js';
import { auditTimelinePath, contentSecurityPolicy, createConsoleHandler } from '../../../src/console/handler.js';
import { certificateFingerprint, SessionStore } from '../../../src/console/session.js';
import type { Upstream, UpstreamRequest, UpstreamResponse } from '../../../src/console/upstream.js';
import type { ApiRequest, ApiResponse } from '../../../src/apiserver/types.js';
import { RecentTimeline } from '../../../src/audit/timeline.js';
import type { AuditEvent } from '../../../src/audit/types.js';
import { ready } from '../../fixtures/audit-event.js';

const certA = Buffer.from('certificate A');
const certB = Buffer.from('certificate B');

/** An API server that knows one token and one certificate, and records every request it was asked. */
function fakeUpstream(opts: { auditAllowed?: boolean } = {}) {
  const seen: UpstreamRequest[] = [];
  const who = (r: UpstreamRequest): string | undefined => {
    if (r.credential.kind === 'token') return r.credential.token === 'good-token' ? 'alice' : undefined;
    return r.credential.certificates[0]?.equals(certA) ? 'admin' : undefined;
  };
  const upstream: Upstream = {
    forwardsCertificates: true,
    async request(r): Promise<UpstreamResponse> {
      seen.push(r);
      const user = who(r);
      if (!user) return { status: 401, body: { kind: 'Status', message: 'Unauthorized', reason: 'Unauthorized' } };
      if (r.path === '/apis/authentication.k8s.io/v1/selfsubjectreviews') return { status: 201, body: { status: { userInfo: { username: user, groups: ['system:authenticated'] } } } };
      if (r.path === '/api/v1/namespaces') {
        if (user === 'alice') return { status: 403, body: { message: 'namespaces is forbidden: User "alice" cannot list resource "namespaces" in API group "" at the cluster scope', reason: 'Forbidden' } };
        return { status: 200, body: { items: [{ metadata: { name: 'ns-1' } }, { metadata: { name: 'default' } }] } };
      }
      if (r.path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews') return { status: 201, body: { status: { allowed: opts.auditAllowed === true } } };
      return { status: 404, body: { message: 'not found' } };
    },
    close() {},
  };
  return { upstream, seen };
}

function request(method: string, url: string, o: { cookie?: string; csrf?: string; body?: unknown; origin?: string; xrw?: boolean; certs?: Buffer[]; headers?: Record<string, string> } = {}): ApiRequest {
  const headers: Record<string, string> = { host: 'console.test:6443', ...o.headers };
  if (o.cookie) headers.cookie = o.cookie;
  if (o.csrf) headers['x-csrf-token'] = o.csrf;
  if (o.origin) headers.origin = o.origin;
  if (o.xrw !== false && method === 'POST') headers['x-requested-with'] = 'a-kube-console';
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  return { method, url, headers, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}), ...(o.certs ? { peerCertificates: o.certs } : {}) };
}

function body(r: ApiResponse): Record<string, unknown> {
  return JSON.parse(typeof r.body === 'string' ? r.body : Buffer.from(r.body as Uint8Array).toString()) as Record<string, unknown>;
}

function cookieOf(r: ApiResponse): string {
  const c = r.headers['set-cookie'];
  assert.ok(typeof c === 'string', 'a Set-Cookie header');
  return c.split(';', 1)[0]!;
}

async function signIn(handler: ReturnType<typeof createConsoleHandler>, token = 'good-token') {
  const r = await handler(request('POST', '/console/api/login', { body: { token } }));
  assert.equal(r.status, 200, String(r.body));
  return { cookie: cookieOf(r), csrf: String(body(r).csrfToken), response: r };
}

test('sign-in with a token sets an HttpOnly, Secure, SameSite=Strict cookie and forwards only that token', async () => {
  const { upstream, seen } = fakeUpstream();
  const handler = createConsoleHandler({ upstream, assets: assetsFrom({}) });
  const { cookie, response } = await signIn(handler);
  const setCookie = String(response.headers['set-cookie']);
  for (const flag of ['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/console']) assert.ok(setCookie.includes(flag), `${flag} in ${setCookie}`);
  assert.deepEqual(body(response).user, { name: 'alice', groups: ['system:authenticated'] });
  assert.ok(!setCookie.includes('good-token'), 'the token stays on the server');
  const ns = await handler(request('GET', '/console/api/namespaces', { cookie }));
  assert.equal(ns.status, 403);
  assert.match(String(body(ns).message), /User "alice" cannot list resource "namespaces"/);
  assert.ok(seen.length >= 2);
  for (const r of seen) assert.deepEqual(r.credential, { kind: 'token', token: 'good-token' });
});

test('a token the API server does not accept gives no session', async () => {
  const { upstream } = fakeUpstream();
  const handler = createConsoleHandler({ upstream, assets: assetsFrom({}) });
  const r = await handler(request('POST', '/console/api/login', { body: { token: 'bad-token' } }));
  assert.equal(r.status, 401);
  assert.equal(r.headers['set-cookie'], undefined);
  const r2 = await handler(request('POST', '/console/api/login', { body: { token: 'has space' } }));
  assert.equal(r2.status, 400);
});

test('without a session the API answers 401 and asks nothing upstream', async () => {
  const { upstream, seen } = fakeUpstream();
  const handler = createConsoleHandler({ upstream, assets: assetsFrom({}) });
  for (const path of ['namespaces', 'graph?namespace=ns-1', 'matrix?namespace=ns-1', 'audit']) {
    const r = await handler(request('GET', `/console/api/${path}`, { cookie: 'akube_console=forged' }));
    assert.equal(r.status, 401, path);
  }
  assert.equal(seen.length, 0);
});

test('state-changing requests need the session CSRF token; login needs the custom header; cross-origin is refused', async () => {
  const { upstream } = fakeUpstream();
  const handler = createConsoleHandler({ upstream, assets: assetsFrom({}) });
  const { cookie, csrf } = await signIn(handler);
  const why = { user: 'bob', verb: 'get', resource: 'pods', namespace: 'ns-1' };
  assert.equal((await handler(request('POST', '/console/api/why', { cookie, body: why }))).status, 403);
  assert.equal((await handler(request('POST', '/console/api/why', { cookie, csrf: `${csrf.slice(0, -1)}x`, body: why }))).status, 403);
  assert.equal((await handler(request('POST', '/console/api/logout', { cookie, csrf, origin: 'https://evil.test' }))).status, 403);
  assert.equal((await handler(request('POST', '/console/api/login', { body: { token: 'good-token' }, xrw: false }))).status, 403);
  assert.equal((await handler(request('POST', '/console/api/login', { body: { token: 'good-token' }, origin: 'https://evil.test' }))).status, 403);
  // a form post (not JSON) is refused even with the header
  const form = request('POST', '/console/api/login', { headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal((await handler({ ...form, body: 'token=good-token' })).status, 400);
  const out = await handler(request('POST', '/console/api/logout', { cookie, csrf, origin: 'https://console.test:6443' }));
  assert.equal(out.status, 200);
  assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
  assert.equal((await handler(request('GET', '/console/api/namespaces', { cookie }))).status, 401, 'the session ended');
});

test('a certificate session forwards the connection certificate and only while the connection presents the same one', async () => {
  const { upstream, seen } = fakeUpstream();
  const handler = createConsoleHandler({ upstream, assets: assetsFrom({}) });
  const state = await handler(request('GET', '/console/api/session', { certs: [certA] }));
  assert.equal(body(state).certificate, true);
  const r = await handler(request('POST', '/console/api/login', { body: { certificate: true }, certs: [certA] }));
  assert.equal(r.status, 200);
  const cookie = cookieOf(r);
  const ok = await handler(request('GET', '/console/api/namespaces', { cookie, certs: [certA] }));
  assert.equal(ok.status, 200);
  assert.deepEqual(body(ok).namespaces, ['default', 'ns-1']);
  const last = seen.at(-1)!;
  assert.equal(last.credential.kind, 'certificate');
  assert.ok(last.credential.kind === 'certificate' && last.credential.certificates[0]!.equals(certA));
  assert.equal((await handler(request('GET', '/console/api/namespaces', { cookie, certs: [certB] }))).status, 401);
  assert.equal((await handler(request('GET', '/console/api/namespaces', { cookie }))).status, 401);
  // without a certificate there is nothing to sign in with
  assert.equal((await handler(request('POST', '/console/api/login', { body: { certificate: true } }))).status, 401);
  assert.notEqual(certificateFingerprint(certA), certificateFingerprint(certB));
});

test('sessions end after the idle and absolute limits', async () => {
  let now = 1_000_000;
  const store = new SessionStore({ now: () => now, limits: { idleMs: 1000, absoluteMs: 5000, maxSessions: 2 } });
  const s = store.create({ kind: 'token', token: 't' }, { name: 'a', groups: [] });
  now += 900;
  assert.ok(store.get(s.id));
  now += 900;
  assert.ok(store.get(s.id), 'used within the idle limit');
  now += 1001;
  assert.equal(store.get(s.id), undefined, 'idle too long');
  const s2 = store.create({ kind: 'token', token: 't' }, { name: 'a', groups: [] });
  for (let i = 0; i < 6; i++) {
    now += 900;
    store.get(s2.id);
  }
  assert.equal(store.get(s2.id), undefined, 'past the absolute limit');
  const a = store.create({ kind: 'token', token: '1' }, { name: 'a', groups: [] });
  store.create({ kind: 'token', token: '2' }, { name: 'b', groups: [] });
  store.create({ kind: 'token', token: '3' }, { name: 'c', groups: [] });
  assert.equal(store.get(a.id), undefined, 'the oldest session makes room');
  assert.equal(store.size, 2);
});

function event(stage: AuditEvent['stage'], user: string, code: number, decision: string, extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'RequestResponse', auditID: `id-${Math.random()}`, stage, requestURI: '/api/v1/namespaces/ns-1/secrets?limit=5', verb: 'list',
    user: { username: user, groups: [] }, userAgent: '<script>alert(1)</script>', objectRef: { resource: 'secrets', namespace: 'ns-1', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code }, requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z', stageTimestamp: '2026-01-01T00:00:00.100000Z',
    annotations: { 'authorization.k8s.io/decision': decision, 'authorization.k8s.io/reason': 'because' }, responseObject: { data: { password: 'c2VjcmV0' } }, ...extra,
  };
}

test('the audit timeline needs get on the non-resource URL, filters, follows a cursor and never carries objects', async () => {
  const timeline = new RecentTimeline(3);
  timeline.process([event('RequestReceived', 'alice', 0, ''), event('ResponseComplete', 'alice', 403, 'forbid'), event('ResponseComplete', 'bob', 200, 'allow')].map(ready));
  const denied = fakeUpstream({ auditAllowed: false });
  const h1 = createConsoleHandler({ upstream: denied.upstream, assets: assetsFrom({}), timeline });
  const s1 = await signIn(h1);
  const no = await h1(request('GET', '/console/api/audit', { cookie: s1.cookie }));
  assert.equal(no.status, 403);
  assert.ok(String(body(no).message).includes(auditTimelinePath));
  const review = denied.seen.find((r) => r.path.endsWith('/selfsubjectaccessreviews'));
  assert.deepEqual((review?.body as { spec: unknown }).spec, { nonResourceAttributes: { path: auditTimelinePath, verb: 'get' } });

  const allowed = fakeUpstream({ auditAllowed: true });
  const h2 = createConsoleHandler({ upstream: allowed.upstream, assets: assetsFrom({}), timeline });
  const s2 = await signIn(h2);
  const all = body(await h2(request('GET', '/console/api/audit', { cookie: s2.cookie })));
  const entries = all.entries as Record<string, unknown>[];
  assert.deepEqual(entries.map((e) => [e.user, e.code, e.decision]), [['alice', 403, 'forbid'], ['bob', 200, 'allow']]);
  assert.equal(entries[0]!.userAgent, '<script>alert(1)</script>');
  assert.equal(entries[0]!.path, '/api/v1/namespaces/ns-1/secrets');
  assert.ok(!JSON.stringify(all).includes('c2VjcmV0'), 'no object content');
  const onlyForbid = body(await h2(request('GET', '/console/api/audit?decision=forbid&user=ali', { cookie: s2.cookie })));
  assert.deepEqual((onlyForbid.entries as Record<string, unknown>[]).map((e) => e.user), ['alice']);
  const after = body(await h2(request('GET', `/console/api/audit?after=${String(all.cursor)}`, { cookie: s2.cookie })));
  assert.deepEqual(after.entries, []);
  timeline.process([event('ResponseComplete', 'carol', 201, 'allow')].map(ready));
  const next = body(await h2(request('GET', `/console/api/audit?after=${String(all.cursor)}`, { cookie: s2.cookie })));
  assert.deepEqual((next.entries as Record<string, unknown>[]).map((e) => e.user), ['carol']);
  // the capacity bounds what is kept
  timeline.process([event('ResponseComplete', 'dave', 200, 'allow'), event('ResponseComplete', 'erin', 200, 'allow')].map(ready));
  assert.deepEqual((await timeline.read(0, 10)).map((e) => e.user), ['carol', 'dave', 'erin']);
});

test('the live audit timeline: 403 without the right, an event stream with Last-Event-ID, at most four per session, ended by logout', async () => {
  const timeline = new RecentTimeline(10);
  timeline.process([event('ResponseComplete', 'alice', 403, 'forbid'), event('ResponseComplete', 'bob', 200, 'allow')].map(ready));
  const denied = fakeUpstream({ auditAllowed: false });
  const h1 = createConsoleHandler({ upstream: denied.upstream, assets: assetsFrom({}), timeline });
  const s1 = await signIn(h1);
  const no = await h1(request('GET', '/console/api/audit/stream', { cookie: s1.cookie }));
  assert.equal(no.status, 403);
  assert.ok(String(body(no).message).includes(auditTimelinePath));
  assert.equal((await h1(request('GET', '/console/api/audit/stream'))).status, 401);

  const h2 = createConsoleHandler({ upstream: fakeUpstream({ auditAllowed: true }).upstream, assets: assetsFrom({}), timeline });
  const s2 = await signIn(h2);
  const controllers: AbortController[] = [];
  const open = async (url: string, headers: Record<string, string> = {}) => {
    const ac = new AbortController();
    controllers.push(ac);
    return h2({ ...request('GET', url, { cookie: s2.cookie, headers }), lifetime: ac });
  };
  const res = await open('/console/api/audit/stream?decision=allow');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
  assert.equal(res.headers['content-security-policy'], contentSecurityPolicy);
  const it = (res.body as AsyncIterable<string>)[Symbol.asyncIterator]();
  let text = '';
  while (!text.includes('"user":"bob"')) text += String((await it.next()).value);
  assert.ok(!text.includes('"user":"alice"'), 'the filter applies');
  assert.ok(!text.includes('c2VjcmV0'), 'no object content');

  // resuming after bob's entry gives only what came later
  const resumed = await open('/console/api/audit/stream', { 'last-event-id': `${timeline.epoch}:2` });
  timeline.process([event('ResponseComplete', 'carol', 200, 'allow')].map(ready));
  const rit = (resumed.body as AsyncIterable<string>)[Symbol.asyncIterator]();
  let rtext = '';
  while (!rtext.includes('"user":"carol"')) rtext += String((await rit.next()).value);
  assert.ok(!rtext.includes('"user":"bob"') && !rtext.includes('"user":"alice"'), rtext);

  // two open, two more allowed, the fifth refused
  for (let i = 0; i < 2; i++) assert.equal((await open('/console/api/audit/stream')).status, 200);
  const fifth = await open('/console/api/audit/stream');
  assert.equal(fifth.status, 429);

  // signing out ends the open streams at their next wake-up
  await h2(request('POST', '/console/api/logout', { cookie: s2.cookie, csrf: s2.csrf, body: {} }));
  timeline.process([event('ResponseComplete', 'dave', 200, 'allow')].map(ready));
  let rest = '';
  for (let r = await it.next(); !r.done; r = await it.next()) rest += String(r.value);
  assert.match(rest, /event: end\ndata: \{"message":"The session ended: sign in again."\}/);
  for (const ac of controllers) ac.abort();
});

test('pages and bundles: strict CSP, content types, immutable bundles, 304 on a matching ETag, 503 when not built', async () => {
  const { upstream } = fakeUpstream();
  const handler = createConsoleHandler({ upstream, assets: assetsFrom({ 'index.html': '<!doctype html>', 'app-ABCDEFGH.js': 'x()', 'style-ABCDEFGH.css': 'a{}' }) });
  const index = await handler(request('GET', '/console/'));
  assert.equal(index.status, 200);
  assert.equal(index.headers['content-security-policy'], contentSecurityPolicy);
  assert.ok(!contentSecurityPolicy.includes('unsafe-inline'));
  assert.equal(index.headers['cache-control'], 'no-cache');
  assert.equal(index.headers['x-content-type-options'], 'nosniff');
  const js = await handler(request('GET', '/console/assets/app-ABCDEFGH.js'));
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
  const again = await handler(request('GET', '/console/assets/app-ABCDEFGH.js', { headers: { 'if-none-match': String(js.headers.etag) } }));
  assert.equal(again.status, 304);
  assert.equal((await handler(request('GET', '/console/assets/style-ABCDEFGH.css'))).headers['content-type'], 'text/css; charset=utf-8');
  assert.equal((await handler(request('GET', '/console/assets/../../etc/passwd'))).status, 404);
  assert.equal((await handler(request('GET', '/console'))).status, 301);
  const unbuilt = createConsoleHandler({ upstream, assets: assetsFrom({}) });
  const r = await unbuilt(request('GET', '/console/'));
  assert.equal(r.status, 503);
  assert.match(String(r.body), /npm run build/);
});
