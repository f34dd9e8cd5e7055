// Stages: the audit log. withAuditId comes first, whether or not anything is audited (every reply carries
// Audit-Id, as kube-apiserver's do; failed authentication is recorded there, since no later stage runs);
// withAudit follows authentication, asks the policy what to record for this user and request, and writes the
// events of its stages (RequestReceived, ResponseStarted for long-running requests and upgrades,
// ResponseComplete, Panic for unexpected failures).
import { randomUUID } from 'node:crypto';
import { acceptableAuditId, RequestAudit, type Auditor, type PolicyAttributes, type ResponseStatus, type Stage, type StageResponse } from '../audit/index.js';
import { levelAtLeast } from '../audit/types.js';
import { isLongRunning } from './max-in-flight.js';
import type { RequestInfo } from './request-info.js';
import { mediaType } from './body.js';
import { errorResponse } from './responses.js';
import { headerValue, type ApiRequest, type ApiResponse, type Handler, type RequestContext } from './types.js';
import type { UserInfo } from '../auth/types.js';

function policyAttributes(info: RequestInfo, user: UserInfo | undefined): PolicyAttributes {
  if (!info.isResourceRequest) return { user, verb: info.verb, resourceRequest: false, namespace: '', apiGroup: '', resource: '', subresource: '', name: '', path: info.path };
  return { user, verb: info.verb, resourceRequest: true, namespace: info.namespace, apiGroup: info.apiGroup, resource: info.resource, subresource: info.subresource, name: info.name, path: info.path };
}

/** X-Forwarded-For, then X-Real-Ip, then the peer: as kube-apiserver lists a request's source addresses. */
function sourceIPs(req: ApiRequest): string[] {
  const remote = req.remoteAddress;
  const peer = remote?.startsWith('::ffff:') ? remote.slice(7) : remote;
  // the usual case, a client without a proxy in front
  if (headerValue(req.headers, 'x-forwarded-for') === undefined && headerValue(req.headers, 'x-real-ip') === undefined) return peer ? [peer] : [];
  const out: string[] = [];
  for (const part of (headerValue(req.headers, 'x-forwarded-for') ?? '').split(',')) {
    const ip = part.trim();
    if (ip) out.push(ip);
  }
  const real = headerValue(req.headers, 'x-real-ip')?.trim();
  if (real && !out.includes(real)) out.push(real);
  if (peer && out[out.length - 1] !== peer) out.push(peer);
  return out;
}

function facts(req: ApiRequest, ctx: RequestContext, audit: RequestAudit, attributes: PolicyAttributes): void {
  const info = ctx.requestInfo;
  audit.facts = {
    method: req.method,
    requestURI: req.url,
    attributes,
    apiVersion: info.isResourceRequest ? (info.apiGroup ? `${info.apiGroup}/${info.apiVersion}` : info.apiVersion) : '',
    sourceIPs: sourceIPs(req),
    userAgent: headerValue(req.headers, 'user-agent'),
    contentType: mediaType(headerValue(req.headers, 'content-type')) || 'application/json',
  };
}

/** The authentication methods a failed request tried, for its event's message. */
function attemptedMethods(req: ApiRequest): string {
  const methods: string[] = [];
  const authz = headerValue(req.headers, 'authorization') ?? '';
  if (/^bearer /i.test(authz)) methods.push('bearer');
  else if (/^basic /i.test(authz)) methods.push('basic');
  if (req.peerCertificates?.length) methods.push('x509');
  return methods.join(', ');
}

function bodyText(res: ApiResponse): string | undefined {
  if (typeof res.body === 'string') return res.body;
  if (res.body instanceof Uint8Array) return Buffer.from(res.body).toString('utf8');
  return undefined;
}

function isJson(res: ApiResponse): boolean {
  const type = res.headers['content-type'];
  return typeof type === 'string' && mediaType(type) === 'application/json';
}

/** responseStatus (a Status: code always; status, message, reason and details for failures) and the response object. */
function responseOf(res: ApiResponse, wantObject: boolean): StageResponse {
  const status: ResponseStatus = { metadata: {}, code: res.status };
  // a success recorded without its object needs nothing from the body (which may be a large list)
  if (res.status < 300 && !wantObject) return { status };
  const text = isJson(res) ? bodyText(res) : undefined;
  if (text === undefined) return { status };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { status };
  }
  if (res.status >= 300 && typeof parsed === 'object' && parsed !== null && (parsed as { kind?: unknown }).kind === 'Status') {
    const s = parsed as Record<string, unknown>;
    if (typeof s.status === 'string') status.status = s.status;
    if (typeof s.message === 'string') status.message = s.message;
    if (typeof s.reason === 'string') status.reason = s.reason;
    if (s.details !== undefined) status.details = s.details;
  }
  return wantObject ? { status, object: parsed, bodyBytes: text.length } : { status };
}

export function withAuditId(next: Handler, auditor: Auditor | undefined): Handler {
  return async function auditId(req, ctx) {
    const audit = new RequestAudit(acceptableAuditId(headerValue(req.headers, 'audit-id')) ?? randomUUID());
    ctx.audit = audit;
    const res = await next(req, ctx);
    if (auditor && res.status === 401 && ctx.user === undefined) {
      const attributes = policyAttributes(ctx.requestInfo, undefined);
      audit.config = auditor.evaluate(attributes);
      if (audit.active) {
        facts(req, ctx, audit, attributes);
        const methods = attemptedMethods(req);
        auditor.emit(audit.record('ResponseStarted', { status: { metadata: {}, code: 401, message: `Authentication failed, attempted: ${methods}` } }));
      }
    }
    if (res.hijacked) return res;
    return { ...res, headers: { ...res.headers, 'audit-id': audit.id } };
  };
}

/** Hands the event of one stage to the auditor, unless the policy leaves that stage out. */
function emit(auditor: Auditor, audit: RequestAudit, stage: Stage, response?: StageResponse): void {
  if (!audit.config.omitStages.has(stage)) auditor.emit(audit.record(stage, response));
}

export function withAudit(next: Handler, auditor: Auditor): Handler {
  return async function audited(req, ctx) {
    const audit = ctx.audit;
    if (!audit) return next(req, ctx);
    audit.user = ctx.user;
    const attributes = policyAttributes(ctx.requestInfo, ctx.user);
    audit.config = auditor.evaluate(attributes);
    if (!audit.active) return next(req, ctx);
    facts(req, ctx, audit, attributes);
    const verb = ctx.requestInfo.verb;
    // The body is kept only where an event shows it (or names a created object); the handler still reads it.
    if ((levelAtLeast(audit.config.level, 'Request') || verb === 'create') && typeof req.body === 'function') {
      const read = req.body;
      let reading: Promise<Uint8Array> | undefined;
      req = { ...req, body: () => (reading ??= read().then((bytes) => (audit.requestBytes = bytes))) };
    } else if (req.body instanceof Uint8Array || typeof req.body === 'string') {
      audit.requestBytes = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
    }
    emit(auditor, audit, 'RequestReceived');
    let res: ApiResponse;
    try {
      res = await next(req, ctx);
    } catch (e) {
      if (!(e instanceof Error && e.name === 'StatusError')) {
        emit(auditor, audit, 'Panic', { status: { metadata: {}, status: 'Failure', message: `APIServer panic'd: ${e instanceof Error ? e.message : String(e)}`, reason: 'InternalError', code: 500 } });
        throw e;
      }
      res = errorResponse(e);
    }
    if (ctx.impersonator) {
      audit.user = ctx.impersonator;
      audit.impersonatedUser = ctx.user;
    }
    if (res.hijacked) {
      // An upgraded connection (exec, attach, port-forward) is complete when it closes.
      const status: ResponseStatus = { metadata: {}, code: 101 };
      emit(auditor, audit, 'ResponseStarted', { status });
      const socket = req.upgrade?.socket;
      if (socket && !socket.destroyed) socket.once('close', () => emit(auditor, audit, 'ResponseComplete', { status }));
      else emit(auditor, audit, 'ResponseComplete', { status });
      return res;
    }
    const body = res.body;
    if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      const status: ResponseStatus = { metadata: {}, code: res.status };
      emit(auditor, audit, 'ResponseStarted', { status });
      return { ...res, body: completeAfter(body, () => emit(auditor, audit, 'ResponseComplete', { status })) };
    }
    // a long-running request (watch, logs, exec, proxy…) has a ResponseStarted however its answer was sent
    if (isLongRunning(ctx.requestInfo)) emit(auditor, audit, 'ResponseStarted', { status: { metadata: {}, code: res.status } });
    emit(auditor, audit, 'ResponseComplete', responseOf(res, levelAtLeast(audit.config.level, 'RequestResponse')));
    return res;
  };
}

/** A stream that reports when it ends (its consumer finished or went away). */
async function* completeAfter(body: AsyncIterable<string | Uint8Array>, done: () => void): AsyncIterable<string | Uint8Array> {
  try {
    yield* body;
  } finally {
    done();
  }
}
