// How the console reaches the API server: always with the signed-in person's own credential, never one of its own.
// In `a-kube up` the request runs through the API server's whole pipeline in-process (authentication included: a
// bearer token, or the client certificate the browser's TLS connection presented); `a-kube console` sends it over
// HTTPS with the person's bearer token.
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';
import type { ApiServer } from '../apiserver/api-server.js';
import type { ClientConfig } from '../client/config-types.js';
import { createRestClient } from '../client/rest.js';
import type { CollectionLister } from '../auth/analysis/rbac-data.js';

export type ForwardedCredential = { kind: 'token'; token: string } | { kind: 'certificate'; certificates: Buffer[] };

export interface UpstreamRequest {
  method: 'GET' | 'POST';
  /** Path and query, e.g. "/api/v1/namespaces". */
  path: string;
  body?: unknown;
  /** The Accept header (default application/json). */
  accept?: string;
  credential: ForwardedCredential;
  /** The browser's address, for the audit log's sourceIPs (in-process only). */
  remoteAddress?: string;
  signal: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  body: unknown;
}

export interface Upstream {
  request(r: UpstreamRequest): Promise<UpstreamResponse>;
  /** Whether a browser's client certificate can be forwarded (only when served by the API server itself). */
  readonly forwardsCertificates: boolean;
  close(): void;
}

export const consoleUserAgent = 'a-kube-console/0.1.0';

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function bodyText(body: unknown): Promise<string> {
  if (body === undefined) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  // a stream (never asked for here): read it whole
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<string | Uint8Array>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString('utf8');
}

/** Through the API server's own pipeline, in the same process: authentication runs on the forwarded credential. */
export function inProcessUpstream(api: Pick<ApiServer, 'handle'>): Upstream {
  return {
    forwardsCertificates: true,
    async request(r) {
      const headers: Record<string, string> = { accept: r.accept ?? 'application/json', 'user-agent': consoleUserAgent };
      if (r.credential.kind === 'token') headers.authorization = `Bearer ${r.credential.token}`;
      const body = r.body === undefined ? undefined : JSON.stringify(r.body);
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await api.handle({
        method: r.method,
        url: r.path,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(r.credential.kind === 'certificate' ? { peerCertificates: r.credential.certificates } : {}),
        ...(r.remoteAddress ? { remoteAddress: r.remoteAddress } : {}),
        lifetime: { signal: r.signal },
      });
      return { status: res.status, body: parseJson(await bodyText(res.body)) };
    },
    close() {},
  };
}

/** Over HTTPS to the server a kubeconfig names, trusting its CA; the kubeconfig's own credentials are not used. */
export function httpUpstream(server: Pick<ClientConfig, 'server' | 'caData' | 'insecureSkipTLSVerify' | 'tlsServerName'>): Upstream {
  const client = createRestClient({ ...server, userAgent: consoleUserAgent });
  return {
    forwardsCertificates: false,
    async request(r) {
      if (r.credential.kind !== 'token') return { status: 401, body: undefined };
      const res = await client.request({
        method: r.method,
        path: r.path,
        ...(r.body !== undefined ? { body: r.body } : {}),
        ...(r.accept ? { accept: r.accept } : {}),
        headers: { Authorization: `Bearer ${r.credential.token}` },
        signal: r.signal,
      });
      return { status: res.status, body: parseJson(res.body.toString('utf8')) };
    },
    close: () => client.close(),
  };
}

/** A non-2xx answer of the API server, with its Status message. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

function failure(res: UpstreamResponse): UpstreamError {
  const b = isRecord(res.body) ? res.body : {};
  const message = typeof b.message === 'string' ? b.message : `the API server answered ${res.status}`;
  const reason = typeof b.reason === 'string' ? b.reason : '';
  return new UpstreamError(res.status, message, reason);
}

/** The API as one person: lists and creates with their credential; a non-2xx answer throws UpstreamError. */
export interface PersonalClient extends CollectionLister {
  get(path: string, opts: { signal: AbortSignal; accept?: string }): Promise<unknown>;
  create(path: string, body: unknown, opts: { signal: AbortSignal }): Promise<unknown>;
}

export function personalClient(upstream: Upstream, credential: ForwardedCredential, remoteAddress?: string): PersonalClient {
  const call = async (method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal, accept?: string): Promise<unknown> => {
    const res = await upstream.request({ method, path, ...(body !== undefined ? { body } : {}), ...(accept ? { accept } : {}), credential, ...(remoteAddress ? { remoteAddress } : {}), signal });
    if (res.status < 200 || res.status > 299) throw failure(res);
    return res.body;
  };
  return {
    get: (path, o) => call('GET', path, undefined, o.signal, o.accept),
    create: (path, body, o) => call('POST', path, body, o.signal),
    async list(path, o) {
      const body = await call('GET', path, undefined, o.signal);
      const items = isRecord(body) && Array.isArray(body.items) ? body.items.filter(isRecord) : [];
      return { items: items as KubeObject[] };
    },
  };
}
