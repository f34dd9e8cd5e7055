// Passes one request for an aggregated group/version on to the backend over HTTPS, as the authenticated and
// authorised user (front-proxy headers), and streams the answer back as it arrives (watches, logs): nothing is
// buffered beyond what the client has not read yet. Upgrade requests are relayed byte for byte.
import { request as httpsRequest, type Agent } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import { relayUpgrade, dial } from '../../streaming/upgrade-relay.js';
import type { ApiRequest, ApiResponse, RequestContext } from '../types.js';
import { identityHeaders, isDroppedRequestHeader, safeHeaderValue, type ProxyClientCertificate, type Resolution } from './backend.js';

export interface ProxyTarget {
  resolve(): Promise<Resolution>;
  agent: Agent;
  /** For upgrades, which open their own TLS connection. */
  tls: { ca?: string; rejectUnauthorized: boolean; client?: ProxyClientCertificate };
  /** Told when the backend could not be reached, so availability is checked again at once. */
  unreachable(): void;
}

export interface ProxyOptions {
  /** How long the backend may take to send its response headers (default 60 s); the body may take as long as it needs. */
  headerTimeoutMs?: number;
}

/** kube-apiserver answers an unreachable aggregated API in plain text, as Go's http.Error writes it. */
export function plainError(status: number, text: string): ApiResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }, body: `${text}\n` };
}

const droppedResponseHeaders = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'content-length']);

function forwardedHeaders(req: ApiRequest, ctx: RequestContext, hostHeader: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of Object.keys(req.headers)) {
    if (isDroppedRequestHeader(name)) continue;
    const v = Object.getOwnPropertyDescriptor(req.headers, name)?.value as unknown;
    if (typeof v === 'string' && safeHeaderValue(v)) out[name] = v;
    else if (Array.isArray(v)) out[name] = v.filter((x): x is string => typeof x === 'string' && safeHeaderValue(x));
  }
  out['host'] = hostHeader;
  if (ctx.user) for (const [k, v] of Object.entries(identityHeaders(ctx.user))) out[k] = Array.isArray(v) ? v.filter(safeHeaderValue) : v;
  return out;
}

async function requestBody(req: ApiRequest): Promise<Uint8Array | undefined> {
  const b = req.body;
  if (b === undefined) return undefined;
  if (typeof b === 'function') return b();
  return typeof b === 'string' ? Buffer.from(b) : b;
}

/** The response body as chunks, handed on as the client reads them; the upstream closes when the client stops. */
async function* streamOf(res: IncomingMessage): AsyncIterable<Uint8Array> {
  try {
    for await (const chunk of res) yield chunk as Buffer;
  } catch {
    // the backend or the client went away mid-answer: the client's stream ends here
  } finally {
    res.destroy();
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function proxyToBackend(req: ApiRequest, ctx: RequestContext, target: ProxyTarget, o: ProxyOptions = {}): Promise<ApiResponse> {
  if (!ctx.user) return plainError(500, 'missing user');
  const where = await target.resolve();
  if (where.kind !== 'ok') return plainError(503, 'service unavailable');
  const hostHeader = `${where.host.includes(':') ? `[${where.host}]` : where.host}:${where.port}`;

  if (req.upgrade) {
    const { request, socket, head } = req.upgrade;
    const headers: Record<string, string | string[]> = {};
    // one header line per group and extra value, as the backend reads them
    for (const [k, v] of Object.entries(identityHeaders(ctx.user))) headers[k] = Array.isArray(v) ? v.filter(safeHeaderValue) : v;
    void relayUpgrade(request, socket, head, {
      connect: () => dial(() => tlsConnect({ host: where.host, port: where.port, servername: where.serverName, rejectUnauthorized: target.tls.rejectUnauthorized, ...(target.tls.ca ? { ca: target.tls.ca } : {}), ...(target.tls.client ? { cert: target.tls.client.cert, key: target.tls.client.key } : {}), ALPNProtocols: ['http/1.1'] }), 'secureConnect'),
      path: req.url,
      host: hostHeader,
      headers,
      dropHeaders: (name) => isDroppedRequestHeader(name) && name !== 'connection' && name !== 'upgrade',
    });
    return { status: 101, headers: {}, hijacked: true };
  }

  const body = await requestBody(req);
  return new Promise<ApiResponse>((resolve) => {
    let settled = false;
    const finish = (r: ApiResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const upstream = httpsRequest({
      host: where.host,
      port: where.port,
      servername: where.serverName,
      agent: target.agent,
      method: req.method,
      path: req.url,
      headers: forwardedHeaders(req, ctx, hostHeader),
      signal: ctx.signal,
    }, (res) => {
      const headers: Record<string, string | string[]> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !droppedResponseHeaders.has(k)) headers[k] = v;
      finish({ status: res.statusCode ?? 502, headers, body: streamOf(res) });
    });
    const timer = setTimeout(() => {
      upstream.destroy(new Error('timeout awaiting response headers'));
    }, o.headerTimeoutMs ?? 60_000);
    timer.unref();
    upstream.on('error', (e) => {
      if (settled) return;
      target.unreachable();
      finish(plainError(503, `error trying to reach service: ${describe(e)}`));
    });
    upstream.end(body && body.byteLength > 0 ? body : undefined);
  });
}
