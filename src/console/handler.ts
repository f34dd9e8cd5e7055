// The console's HTTP surface under /console/: the page and its bundles, and a small JSON API that answers every
// question by asking the API server as the signed-in person (see upstream.ts). Sessions and CSRF in session.ts.
import { isRecord } from '../api/object.js';
import type { ApiRequest, ApiResponse } from '../apiserver/types.js';
import { headerValue } from '../apiserver/types.js';
import { matchesFilter, type TimelineFilter, type TimelineSource } from '../audit/index.js';
import type { UserInfo } from '../auth/types.js';
import type { Assets } from './assets.js';
import { certificateFingerprint, clearedSessionCookie, cookieValue, csrfMatches, sessionCookie, sessionCookieName, SessionStore, type Credential, type Session } from './session.js';
import { auditEventStream } from './audit-stream.js';
import { personalClient, UpstreamError, type ForwardedCredential, type Upstream } from './upstream.js';
import { servedResources } from './discovery.js';
import { accessMatrix, graphData, listRbac, namespaces, why } from './views.js';
import type { WhyQuestion } from './api-types.js';

export const consolePrefix = '/console/';
/** Who may read the audit timeline: `get` on this non-resource URL. */
export const auditTimelinePath = '/console/api/audit';

export interface ConsoleDeps {
  upstream: Upstream;
  assets: Assets;
  /** The audit timeline; without it the timeline view says where to find one. */
  timeline?: TimelineSource;
  sessions?: SessionStore;
}

export type ConsoleHandler = (req: ApiRequest) => Promise<ApiResponse>;

const maxBodyBytes = 64 * 1024;
const maxStreamsPerSession = 4;
const maxStreams = 256;

function timelineFilter(query: URLSearchParams): TimelineFilter {
  const filter: TimelineFilter = {};
  for (const k of ['user', 'verb', 'resource', 'decision'] as const) {
    const v = (query.get(k) ?? '').slice(0, 253);
    if (v) filter[k] = v;
  }
  return filter;
}

/** No inline script or style, nothing from elsewhere, never framed. */
export const contentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const securityHeaders: Record<string, string> = {
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

function json(status: number, body: unknown, extra: Record<string, string | string[]> = {}): ApiResponse {
  return { status, headers: { ...securityHeaders, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra }, body: JSON.stringify(body) };
}

function problem(status: number, message: string, reason = ''): ApiResponse {
  return json(status, { message, reason });
}

class BadRequest extends Error {
  override readonly name = 'BadRequest';
}

async function readJson(req: ApiRequest): Promise<Record<string, unknown>> {
  const ct = (headerValue(req.headers, 'content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (ct !== 'application/json') throw new BadRequest('send JSON (Content-Type: application/json)');
  const b = req.body;
  const bytes = b === undefined ? new Uint8Array() : typeof b === 'string' ? Buffer.from(b) : b instanceof Uint8Array ? b : await b();
  if (bytes.byteLength > maxBodyBytes) throw new BadRequest('the request body is too large');
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new BadRequest('the request body is not valid JSON');
  }
  if (!isRecord(v)) throw new BadRequest('the request body must be a JSON object');
  return v;
}

function field(body: Record<string, unknown>, name: string, max = 512): string {
  const v = Object.hasOwn(body, name) ? body[name] : undefined;
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new BadRequest(`${name} must be a string`);
  if (v.length > max) throw new BadRequest(`${name} is longer than ${max} characters`);
  return v.trim();
}

function stringList(body: Record<string, unknown>, name: string): string[] {
  const v = Object.hasOwn(body, name) ? body[name] : undefined;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.length > 64 || !v.every((x) => typeof x === 'string' && x.length <= 512)) throw new BadRequest(`${name} must be a list of at most 64 strings`);
  return (v as string[]).map((s) => s.trim()).filter((s) => s !== '');
}

/** The host the browser addressed (HTTP/1.1 Host or HTTP/2 :authority, which the front door passes as host). */
function requestHost(req: ApiRequest): string {
  return headerValue(req.headers, 'host') ?? '';
}

/** A state-changing request must come from a page of this origin (when the browser says where it comes from). */
function sameOrigin(req: ApiRequest): boolean {
  const origin = headerValue(req.headers, 'origin');
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === requestHost(req);
  } catch {
    return false;
  }
}

function userView(u: UserInfo): { name: string; groups: string[] } {
  return { name: u.name, groups: u.groups };
}

export function createConsoleHandler(deps: ConsoleDeps): ConsoleHandler {
  const sessions = deps.sessions ?? new SessionStore();
  const cookiePath = consolePrefix.replace(/\/$/, '');
  // audit timeline access answers, per session, for a short while (a poll every few seconds need not ask each time)
  const auditAccess = new Map<string, { allowed: boolean; reason: string; until: number }>();
  // live audit timelines open, per session and in all (each holds a connection and a subscription)
  const streamsOpen = new Map<string, number>();
  let totalStreams = 0;

  function forwarded(session: Session, req: ApiRequest): ForwardedCredential | undefined {
    const c = session.credential;
    if (c.kind === 'token') return { kind: 'token', token: c.token };
    const certs = req.peerCertificates;
    if (!certs?.[0] || certificateFingerprint(certs[0]) !== c.fingerprint) return undefined;
    return { kind: 'certificate', certificates: certs };
  }

  async function whoIs(credential: ForwardedCredential, req: ApiRequest, signal: AbortSignal): Promise<UserInfo | undefined> {
    const res = await deps.upstream.request({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1' },
      credential,
      ...(req.remoteAddress ? { remoteAddress: req.remoteAddress } : {}),
      signal,
    });
    if (res.status === 401) return undefined;
    if (res.status < 200 || res.status > 299) {
      const b = isRecord(res.body) ? res.body : {};
      throw new UpstreamError(res.status, typeof b.message === 'string' ? b.message : `the API server answered ${res.status}`, typeof b.reason === 'string' ? b.reason : '');
    }
    const b = isRecord(res.body) && isRecord(res.body.status) && isRecord(res.body.status.userInfo) ? res.body.status.userInfo : {};
    const name = typeof b.username === 'string' ? b.username : '';
    if (!name || name === 'system:anonymous') return undefined;
    const groups = Array.isArray(b.groups) ? b.groups.filter((g): g is string => typeof g === 'string') : [];
    return { name, groups };
  }

  async function login(req: ApiRequest, signal: AbortSignal): Promise<ApiResponse> {
    const body = await readJson(req);
    let credential: Credential;
    let forward: ForwardedCredential;
    if (body.certificate === true) {
      const cert = req.peerCertificates?.[0];
      if (!deps.upstream.forwardsCertificates) return problem(400, 'This console cannot use client certificates: sign in with a bearer token.');
      if (!cert || !req.peerCertificates) return problem(401, 'Your browser presented no client certificate: sign in with a bearer token.');
      credential = { kind: 'certificate', fingerprint: certificateFingerprint(cert) };
      forward = { kind: 'certificate', certificates: req.peerCertificates };
    } else {
      const token = field(body, 'token', 16 * 1024);
      if (!token) return problem(400, 'Paste a bearer token (for a service account: a-kubectl create token NAME -n NAMESPACE).');
      if (/[\s\x00-\x1f\x7f]/.test(token)) return problem(400, 'A bearer token has no spaces or control characters.');
      credential = { kind: 'token', token };
      forward = { kind: 'token', token };
    }
    const user = await whoIs(forward, req, signal);
    if (!user) return problem(401, 'The API server did not accept this credential (Unauthorized).', 'Unauthorized');
    const session = sessions.create(credential, user);
    return json(200, { signedIn: true, user: userView(user), csrfToken: session.csrfToken }, { 'set-cookie': sessionCookie(session.id, cookiePath) });
  }

  async function mayReadAudit(session: Session, credential: ForwardedCredential, req: ApiRequest, signal: AbortSignal): Promise<{ allowed: boolean; reason: string }> {
    const now = Date.now();
    const cached = auditAccess.get(session.id);
    if (cached && cached.until > now) return cached;
    const client = personalClient(deps.upstream, credential, req.remoteAddress);
    const review = await client.create('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: { nonResourceAttributes: { path: auditTimelinePath, verb: 'get' } } }, { signal });
    const status = isRecord(review) && isRecord(review.status) ? review.status : {};
    const answer = { allowed: status.allowed === true, reason: typeof status.reason === 'string' ? status.reason : '', until: now + 10_000 };
    if (auditAccess.size > 10_000) auditAccess.clear();
    auditAccess.set(session.id, answer);
    return answer;
  }

  function auditForbiddenMessage(session: Session, reason: string): string {
    return `User "${session.user.name}" cannot get path "${auditTimelinePath}": reading the audit timeline needs a ClusterRole with verbs ["get"] on nonResourceURLs ["${auditTimelinePath}"]${reason ? ` (${reason})` : ''}.`;
  }

  /** Why this person may not read the audit timeline here, as the answer to send; undefined when they may. */
  async function auditDenied(session: Session, credential: ForwardedCredential, req: ApiRequest, signal: AbortSignal): Promise<ApiResponse | undefined> {
    if (!deps.timeline) return problem(404, 'No audit timeline here: start the console with --audit-log-path FILE, or use the console of a-kube up.');
    const access = await mayReadAudit(session, credential, req, signal);
    return access.allowed ? undefined : problem(403, auditForbiddenMessage(session, access.reason), 'Forbidden');
  }

  async function api(req: ApiRequest, route: string, query: URLSearchParams, signal: AbortSignal): Promise<ApiResponse> {
    const method = req.method.toUpperCase();
    const session = sessions.get(cookieValue(headerValue(req.headers, 'cookie'), sessionCookieName));
    if (method === 'POST' && !sameOrigin(req)) return problem(403, 'Cross-origin requests are refused.');
    if (route === 'session' && method === 'GET') {
      if (session && forwarded(session, req)) return json(200, { signedIn: true, user: userView(session.user), csrfToken: session.csrfToken });
      return json(200, { signedIn: false, certificate: deps.upstream.forwardsCertificates && Boolean(req.peerCertificates?.[0]), audit: Boolean(deps.timeline) });
    }
    if (route === 'login' && method === 'POST') {
      // no session yet, so no CSRF token: the custom header cannot be sent cross-site without a CORS preflight,
      // which this server never grants
      if (headerValue(req.headers, 'x-requested-with') !== 'a-kube-console') return problem(403, 'Missing the X-Requested-With header.');
      return login(req, signal);
    }
    if (!session) return problem(401, 'Not signed in, or the session expired: sign in again.', 'Unauthorized');
    const credential = forwarded(session, req);
    if (!credential) return problem(401, 'This connection does not present the client certificate the session signed in with: sign in again.', 'Unauthorized');
    if (method !== 'GET' && method !== 'HEAD' && !csrfMatches(session, headerValue(req.headers, 'x-csrf-token'))) return problem(403, 'Missing or wrong CSRF token: reload the page.');
    const client = personalClient(deps.upstream, credential, req.remoteAddress);
    const namespace = (query.get('namespace') ?? '').slice(0, 253);
    switch (`${method} ${route}`) {
      case 'POST logout':
        sessions.delete(session.id);
        auditAccess.delete(session.id);
        return json(200, { signedIn: false }, { 'set-cookie': clearedSessionCookie(cookiePath) });
      case 'GET namespaces':
        return json(200, { namespaces: await namespaces(client, signal) });
      case 'GET graph':
        return json(200, await graphData(client, namespace, signal));
      case 'GET matrix': {
        if (!namespace || namespace === '*') return problem(400, 'Choose a namespace for the access matrix.');
        const [listed, served] = await Promise.all([listRbac(client, namespace, signal), servedResources(client, signal)]);
        return json(200, accessMatrix(namespace, listed, served));
      }
      case 'POST why': {
        const body = await readJson(req);
        const q: WhyQuestion = {
          user: field(body, 'user'),
          groups: stringList(body, 'groups'),
          verb: field(body, 'verb', 64),
          resource: field(body, 'resource', 253),
          name: field(body, 'name', 253),
          namespace: field(body, 'namespace', 253),
          path: field(body, 'path', 1024),
        };
        if (!q.user && q.groups.length === 0) return problem(400, 'Name a user, a service account or a group.');
        if (!q.verb) return problem(400, 'Name a verb (get, list, create, …).');
        if (!q.resource && !q.path) return problem(400, 'Name a resource (pods, deployments.apps, pods/log) or a non-resource URL (/healthz).');
        if (q.path && !q.path.startsWith('/')) return problem(400, 'A non-resource URL starts with "/".');
        return json(200, await why(client, q, signal));
      }
      case 'GET audit': {
        const denied = await auditDenied(session, credential, req, signal);
        if (denied) return denied;
        const after = Math.max(0, Math.floor(Number(query.get('after') ?? '0')) || 0);
        const limit = Math.min(2000, Math.max(1, Math.floor(Number(query.get('limit') ?? '500')) || 500));
        const filter = timelineFilter(query);
        const read = await deps.timeline!.read(after, 5000);
        const cursor = read.length > 0 ? read[read.length - 1]!.seq : after;
        const entries = read.filter((t) => matchesFilter(t, filter));
        return json(200, { entries: entries.slice(Math.max(0, entries.length - limit)), cursor });
      }
      case 'GET audit/stream': {
        const denied = await auditDenied(session, credential, req, signal);
        if (denied) return denied;
        const open = streamsOpen.get(session.id) ?? 0;
        if (open >= maxStreamsPerSession || totalStreams >= maxStreams) return problem(429, 'Too many live audit timelines are open: close some of this console\'s tabs.', 'TooManyRequests');
        streamsOpen.set(session.id, open + 1);
        totalStreams++;
        const lastEventId = (headerValue(req.headers, 'last-event-id') ?? query.get('lastEventId') ?? undefined)?.slice(0, 64);
        const sessionId = session.id;
        const stream = auditEventStream({
          source: deps.timeline!,
          filter: timelineFilter(query),
          lastEventId,
          signal,
          // the session must still be live and may still read the timeline (asked again every 10 s)
          check: async () => {
            const s = sessions.get(sessionId);
            if (!s) return 'The session ended: sign in again.';
            const access = await mayReadAudit(s, credential, req, signal).catch(() => undefined);
            if (!access) return undefined; // the API server did not answer: keep going, ask again later
            return access.allowed ? undefined : auditForbiddenMessage(s, access.reason);
          },
        });
        async function* counted(): AsyncGenerator<string, void, undefined> {
          try {
            yield* stream;
          } finally {
            const n = (streamsOpen.get(sessionId) ?? 1) - 1;
            if (n > 0) streamsOpen.set(sessionId, n);
            else streamsOpen.delete(sessionId);
            totalStreams--;
          }
        }
        return { status: 200, headers: { ...securityHeaders, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' }, body: counted() };
      }
      default:
        return problem(404, `No such console request: ${method} ${consolePrefix}api/${route}`);
    }
  }

  function serveAsset(req: ApiRequest, a: Assets['index']): ApiResponse {
    if (!a) return { status: 404, headers: { ...securityHeaders, 'content-type': 'text/plain; charset=utf-8' }, body: 'not found\n' };
    const headers: Record<string, string> = { ...securityHeaders, 'content-type': a.contentType, etag: a.etag, 'cache-control': a.immutable ? 'public, max-age=31536000, immutable' : 'no-cache' };
    if (headerValue(req.headers, 'if-none-match') === a.etag) return { status: 304, headers };
    return { status: 200, headers, body: req.method.toUpperCase() === 'HEAD' ? undefined : a.body };
  }

  return async function console(req: ApiRequest): Promise<ApiResponse> {
    const url = new URL(req.url, 'https://console.invalid');
    const path = url.pathname;
    const method = req.method.toUpperCase();
    const signal = req.lifetime?.signal ?? new AbortController().signal;
    if (path === cookiePath) return { status: 301, headers: { ...securityHeaders, location: consolePrefix }, body: '' };
    if (!path.startsWith(consolePrefix)) return problem(404, 'not found');
    const rest = path.slice(consolePrefix.length);
    if (rest.startsWith('api/')) {
      try {
        return await api(req, rest.slice(4), url.searchParams, signal);
      } catch (e) {
        if (e instanceof BadRequest) return problem(400, e.message, 'BadRequest');
        if (e instanceof UpstreamError) return problem(e.status, e.message, e.reason);
        process.stderr.write(`console: ${req.method} ${path}: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
        return problem(500, 'The console failed to answer; see the server log.');
      }
    }
    if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers: { ...securityHeaders, allow: 'GET, HEAD' }, body: '' };
    if (rest === '' || rest === 'index.html') {
      if (!deps.assets.index) return { status: 503, headers: { ...securityHeaders, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: 'The console was not built: run "npm run build" in the a-kube checkout.\n' };
      return serveAsset(req, deps.assets.index);
    }
    if (rest.startsWith('assets/')) return serveAsset(req, deps.assets.get(rest.slice(7)));
    return serveAsset(req, undefined);
  };
}
