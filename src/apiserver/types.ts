// The API server's own request/response shapes: transport-neutral, so the assembled handler runs
// in-process (unit tests, loopback clients) exactly as it runs behind the HTTP/2 server.
import { getOwn } from '../api/own.js';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { UserInfo } from '../auth/types.js';
import type { RequestInfo } from './request-info.js';
import type { RequestAudit } from '../audit/index.js';

export type HeaderMap = Record<string, string | string[] | undefined>;

export interface ApiRequest {
  method: string;
  /** Path plus query string, e.g. "/api/v1/namespaces/default/pods?limit=500". */
  url: string;
  /** Lower-cased header names. */
  headers: HeaderMap;
  /** Request body, read lazily; a function lets the transport enforce the size limit while reading. */
  body?: string | Uint8Array | (() => Promise<Uint8Array>);
  /** The peer's address (audit events' sourceIPs). */
  remoteAddress?: string;
  /** DER certificates the TLS peer presented, leaf first. */
  peerCertificates?: Buffer[];
  /**
   * The request's lifetime: its signal aborts when the client goes away (ends watches and proxied streams). An
   * AbortController fits; the HTTP transports pass a ConnectionLifetime, whose signal is made only when read.
   */
  lifetime?: RequestLifetime;
  /** An HTTP/1.1 Upgrade request (WebSocket/SPDY for exec, attach, portforward): the raw connection. */
  upgrade?: { request: IncomingMessage; socket: Duplex; head: Buffer };
}

export interface RequestLifetime {
  readonly signal: AbortSignal;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[]>;
  /** A string or bytes for ordinary replies; an async iterable of chunks for streams (watch). */
  body?: string | Uint8Array | AsyncIterable<string | Uint8Array>;
  /** The handler took over the connection (an upgrade): the transport writes nothing. */
  hijacked?: boolean;
}

/** Request-scoped values the pipeline stages hand on, in the order they are filled in. */
export interface RequestContext {
  requestInfo: RequestInfo;
  /** Set by authentication (and replaced by impersonation). Always an own field, never inherited. */
  user: UserInfo | undefined;
  /** The user who actually authenticated, when impersonating. */
  impersonator: UserInfo | undefined;
  /** Warning texts for `Warning: 299 - "<text>"` headers. */
  warnings: string[];
  signal: AbortSignal;
  /** The request's audit record (set by the first stage when auditing is configured). */
  audit?: RequestAudit;
}

export type Handler = (req: ApiRequest, ctx: RequestContext) => Promise<ApiResponse>;

export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const v = getOwn(headers, name);
  if (Array.isArray(v)) return v.join(', ');
  return v;
}

export function headerValues(headers: HeaderMap, name: string): string[] {
  const v = getOwn(headers, name);
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}
