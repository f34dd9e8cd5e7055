// The REST client every a-kube component uses to talk to the API server: one keep-alive agent,
// an AbortSignal on every call, JSON in and out, ApiError for every non-2xx answer; with several servers of one
// cluster it moves to the next when the current one cannot be reached.
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { KubeList, KubeObject } from '../api/object.js';
import type { ClientConfig } from './config-types.js';
import { ConnectionError, errorFromResponse } from './api-error.js';
import { credentialHeaders } from './credential-headers.js';
import { connectionErrorCode, notConnectedCodes, noteReached, preferredServerIndex } from './server-fail-over.js';
import type { Query } from './paths.js';
import { encodeQuery } from './paths.js';
import type { WatchEvent } from './watch.js';
import { decodeWatchStream } from './watch.js';

export const clientVersion = '0.1.0';

export interface RequestOptions {
  method: string;
  path: string;
  query?: Query;
  /** A Buffer or string is sent as is; anything else as JSON. */
  body?: unknown;
  contentType?: string;
  accept?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const patchContentTypes: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface CallOptions {
  query?: Query;
  accept?: string;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

export interface RestClient {
  readonly config: ClientConfig;
  /** Never throws for an HTTP status; throws ConnectionError when there is no answer. */
  request(opts: RequestOptions): Promise<RawResponse>;
  /** Throws ApiError for a non-2xx answer; returns the parsed JSON body (undefined when empty). */
  requestJson<T = unknown>(opts: RequestOptions): Promise<T>;
  get<T = KubeObject>(path: string, opts?: CallOptions): Promise<T>;
  list<T extends KubeObject = KubeObject>(path: string, opts?: CallOptions): Promise<KubeList<T>>;
  create<T = KubeObject>(path: string, body: unknown, opts?: CallOptions): Promise<T>;
  update<T = KubeObject>(path: string, body: unknown, opts?: CallOptions): Promise<T>;
  patch<T = KubeObject>(path: string, patch: unknown, type: PatchType, opts?: CallOptions): Promise<T>;
  /** Returns what the server answers: the deleted object or a Status. */
  delete(path: string, opts?: CallOptions & { body?: unknown }): Promise<unknown>;
  /** Streams the events of `path?watch=true&…` until the server ends the stream or `signal` aborts. */
  watch(path: string, query: Query | undefined, signal?: AbortSignal, opts?: { accept?: string }): AsyncIterable<WatchEvent>;
  /** Closes idle keep-alive sockets. */
  close(): void;
}

/** Errors after which a request may or may not have been served: only reads are retried elsewhere. */
const connectionLost = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

interface Target {
  protocol: string;
  hostname: string;
  port: string | number;
  host: string;
  basePath: string;
}

function target(server: string, secure: boolean): Target {
  const url = new URL(server);
  if ((url.protocol === 'https:') !== secure) throw new Error(`${server}: every server of one client must use the same scheme`);
  return { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || (secure ? 443 : 80), host: url.host, basePath: url.pathname.replace(/\/+$/, '') };
}

export function createRestClient(config: ClientConfig): RestClient {
  const secure = new URL(config.server).protocol === 'https:';
  const servers = [config.server, ...(config.fallbackServers ?? [])];
  const targets = servers.map((s) => target(s, secure));
  /** The server requests go to (first the one that last answered in this process); it moves on when one cannot be reached. */
  let current = preferredServerIndex(config);
  const agent = secure
    ? new HttpsAgent({
        keepAlive: true,
        ...(config.caData ? { ca: config.caData } : {}),
        ...(config.certData ? { cert: config.certData } : {}),
        ...(config.keyData ? { key: config.keyData } : {}),
        rejectUnauthorized: !config.insecureSkipTLSVerify,
        ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
      })
    : new HttpAgent({ keepAlive: true });
  const userAgent = config.userAgent ?? `a-kubectl/v${clientVersion} (${process.platform}/${process.arch})`;

  function headersFor(opts: RequestOptions, body: Buffer | undefined): Record<string, string | string[]> {
    const h: Record<string, string | string[]> = { 'User-Agent': userAgent, Accept: opts.accept ?? 'application/json, */*', ...config.headers, ...opts.headers, ...credentialHeaders(config) };
    if (body) {
      h['Content-Type'] = opts.contentType ?? 'application/json';
      h['Content-Length'] = String(body.length);
    }
    return h;
  }

  function openOn(t: Target, opts: RequestOptions, body: Buffer | undefined, headers: Record<string, string | string[]>, signal: AbortSignal | undefined): Promise<IncomingMessage> {
    const send = secure ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send({
        protocol: t.protocol,
        hostname: t.hostname,
        port: t.port,
        method: opts.method,
        path: t.basePath + opts.path + encodeQuery(opts.query),
        headers,
        agent,
        ...(signal ? { signal } : {}),
      });
      req.on('response', resolve);
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.name === 'AbortError') reject(signal?.reason instanceof Error ? signal.reason : e);
        else reject(new ConnectionError(e.message, t.host, { cause: e }));
      });
      req.end(body);
    });
  }

  async function open(opts: RequestOptions): Promise<IncomingMessage> {
    let body: Buffer | undefined;
    if (opts.body !== undefined) {
      body = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
    }
    const headers = headersFor(opts, body);
    const signals = [opts.signal, config.timeoutMs ? AbortSignal.timeout(config.timeoutMs) : undefined].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const read = opts.method === 'GET' || opts.method === 'HEAD';
    // Each server at most once, starting from the current one.
    for (let tried = 1; ; tried++) {
      const index = current;
      try {
        const res = await openOn(targets[index] as Target, opts, body, headers, signal);
        if (targets.length > 1) noteReached(config, servers[index] as string);
        return res;
      } catch (e) {
        const code = connectionErrorCode(e);
        const unreachable = code !== undefined && (notConnectedCodes.has(code) || connectionLost.has(code));
        if (!unreachable || targets.length === 1) throw e;
        if (current === index) current = (index + 1) % targets.length;
        if (tried >= targets.length || (!notConnectedCodes.has(code) && !read)) throw e;
      }
    }
  }

  async function request(opts: RequestOptions): Promise<RawResponse> {
    const res = await open(opts);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
  }

  async function requestJson<T>(opts: RequestOptions): Promise<T> {
    const res = await request(opts);
    if (res.status < 200 || res.status > 299) throw errorFromResponse(res.status, res.body, res.headers['content-type']);
    if (res.body.length === 0) return undefined as T;
    return JSON.parse(res.body.toString('utf8')) as T;
  }

  const call = (method: string, path: string, o: CallOptions | undefined, extra: Partial<RequestOptions> = {}) =>
    ({ method, path, ...(o?.query ? { query: o.query } : {}), ...(o?.accept ? { accept: o.accept } : {}), ...(o?.signal ? { signal: o.signal } : {}), ...(o?.headers ? { headers: o.headers } : {}), ...extra });

  return {
    config,
    request,
    requestJson,
    get: (path, o) => requestJson(call('GET', path, o)),
    list: (path, o) => requestJson(call('GET', path, o)),
    create: (path, body, o) => requestJson(call('POST', path, o, { body })),
    update: (path, body, o) => requestJson(call('PUT', path, o, { body })),
    patch: (path, patch, type, o) =>
      requestJson(call('PATCH', path, o, { body: typeof patch === 'string' ? patch : JSON.stringify(patch), contentType: patchContentTypes[type] })),
    delete: (path, o) => requestJson(call('DELETE', path, o, o?.body !== undefined ? { body: o.body } : {})),
    watch(path, query, signal, wopts) {
      const q = new URLSearchParams(query instanceof URLSearchParams ? query : encodeQuery(query).slice(1));
      q.set('watch', 'true');
      return {
        async *[Symbol.asyncIterator]() {
          const res = await open({ method: 'GET', path, query: q, accept: wopts?.accept ?? 'application/json', ...(signal ? { signal } : {}) });
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) {
            const chunks: Buffer[] = [];
            for await (const c of res) chunks.push(c as Buffer);
            throw errorFromResponse(status, Buffer.concat(chunks), res.headers['content-type']);
          }
          try {
            yield* decodeWatchStream(res);
          } catch (e) {
            if (signal?.aborted) return; // the caller stopped watching
            throw e;
          } finally {
            res.destroy();
          }
        },
      };
    },
    close: () => agent.destroy(),
  };
}
