// The HTTPS front door: node:http2 with HTTP/1.1 fallback, client certificates requested (verified by the
// x509 authenticator, not by TLS), and HTTP/1.1 upgrades (exec/attach/portforward) through the same pipeline.
import type { Auditor } from '../audit/index.js';
import type { InFlightLimits } from './max-in-flight.js';
import { closeIdleConnections } from './idle-connections.js';
import { getOwn, setOwn } from '../api/own.js';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { DEFAULT_CIPHERS, type TLSSocket } from 'node:tls';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { Authenticator, Authorizer } from '../auth/types.js';
import type { Storage } from '../storage/types.js';
import { createApiServer, type ApiServer, type ApiServerConfig } from './api-server.js';
import { writeResponse } from './write-response.js';
import { maxBodyBytes } from './body.js';
import type { WatchSettings } from './handlers/watch.js';
import type { VersionInfo } from './nonresource.js';
import { errors } from '../api/status.js';
import type { ApiRequest, ApiResponse, HeaderMap } from './types.js';
import { ConnectionLifetime } from './lifetime.js';

export const maxStreamsPerConnection = 1000;

export interface ApiServerOptions {
  storage: Storage;
  tls: { cert: string; key: string; clientCA: string };
  authenticator: Authenticator;
  authorizer: Authorizer;
  host: string;
  /** More addresses to accept connections on, at the same port (e.g. the node address pods reach). */
  additionalHosts?: string[];
  /** 0 = an ephemeral port. */
  port: number;
  serviceClusterIPRange?: string;
  version?: Partial<VersionInfo>;
  watch?: Partial<WatchSettings>;
  now?: () => Date;
  /** Requests in flight (--max-requests-inflight, --max-mutating-requests-inflight; 0 = unlimited). */
  maxInFlight?: Partial<InFlightLimits>;
  /** API Priority and Fairness (default on; see ApiServerConfig). */
  priorityAndFairness?: boolean;
  auditor?: Auditor;
  /** Connections without a request in progress are closed after this long (default 90 s; 0 = never). */
  idleConnectionTimeoutMs?: number;
  /** API aggregation settings (the front-proxy client certificate). */
  aggregator?: ApiServerConfig['aggregator'];
  /** Health checks beside the built-in ones (the KMS plugins'). */
  extraHealthChecks?: ApiServerConfig['extraHealthChecks'];
  /** Metric families beside the built-in ones (the encryption config reloads'). */
  extraMetrics?: ApiServerConfig['extraMetrics'];
}

export interface RunningApiServer {
  port: number;
  url: string;
  /** The transport-neutral handler and registration hooks. */
  api: ApiServer;
  /** Same as api.handle: one request through the whole pipeline, no socket. */
  handler: (req: ApiRequest) => Promise<ApiResponse>;
  /**
   * Serve the paths under `prefix` ("/console/", and "/console" itself) with another handler, outside the API's
   * pipeline (the web console, which asks the API server as each signed-in person).
   */
  mount(prefix: string, handler: (req: ApiRequest) => Promise<ApiResponse>): void;
  close(): Promise<void>;
}

// A connection's client certificate does not change: read it once per connection, not once per request. An HTTP/2
// request's `socket` is a proxy made for its stream, so the connection is known by the stream's session there.
const certificatesByConnection = new WeakMap<object, Buffer[] | undefined>();

function peerCertificates(socket: TLSSocket | undefined, connection: object | undefined = socket): Buffer[] | undefined {
  if (!socket || !connection) return undefined;
  if (certificatesByConnection.has(connection)) return certificatesByConnection.get(connection);
  const certs = readPeerCertificates(socket);
  certificatesByConnection.set(connection, certs);
  return certs;
}

function readPeerCertificates(socket: TLSSocket): Buffer[] | undefined {
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const out: Buffer[] = [];
  let cert = socket.getPeerCertificate(true);
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    out.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return out.length ? out : undefined;
}

/** Reads the body on demand, failing with 413 as soon as it passes the limit. */
function bodyReader(stream: Readable): () => Promise<Uint8Array> {
  let read: Promise<Uint8Array> | undefined;
  return () =>
    (read ??= new Promise<Uint8Array>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBodyBytes) {
          reject(errors.tooLarge());
          stream.removeAllListeners('data');
          stream.resume();
          return;
        }
        chunks.push(c);
      });
      stream.on('end', () => resolve(Buffer.concat(chunks)));
      stream.on('error', reject);
    }));
}

/** Headers whose repeated lines are separate values (Node joins unknown repeated headers with ", "). */
function isListHeader(name: string): boolean {
  return name === 'impersonate-group' || name.startsWith('impersonate-extra-') || name.startsWith('x-remote-');
}

/** The request's headers as own keys; repeated impersonation and front-proxy headers stay one value per line. */
function plainHeaders(req: { headers: IncomingMessage['headers']; rawHeaders: string[] }): HeaderMap {
  const out: HeaderMap = {};
  for (const [k, v] of Object.entries(req.headers)) if (!k.startsWith(':') && !isListHeader(k)) setOwn(out, k, v);
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    if (!isListHeader(name)) continue;
    const have = getOwn(out, name);
    setOwn(out, name, [...(Array.isArray(have) ? have : []), req.rawHeaders[i + 1]!]);
  }
  return out;
}

/**
 * Node's cipher list, with OpenSSL's security level 0. A TLS 1.2 client that sends no signature_algorithms
 * extension (busybox's wget, without openssl to hand its TLS to) leaves the server to sign the key exchange with
 * SHA-1 (RFC 5246 7.4.1.4.1), which OpenSSL 3 refuses from level 1 up, so the handshake ended in a
 * handshake_failure alert; kube-apiserver (Go's crypto/tls) accepts such clients. Clients that name their
 * algorithms still get the strongest shared one; the cipher list itself (no NULL, export, DES, RC4 or MD5 suites)
 * and the minimum version (TLS 1.2) are unchanged.
 */
export const servingCiphers = `${DEFAULT_CIPHERS}:@SECLEVEL=0`;

export async function startApiServer(opts: ApiServerOptions): Promise<RunningApiServer> {
  let port = opts.port;
  const api = await createApiServer({
    storage: opts.storage,
    authenticator: opts.authenticator,
    authorizer: opts.authorizer,
    ...(opts.version ? { version: opts.version } : {}),
    ...(opts.watch ? { watch: opts.watch } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.serviceClusterIPRange ? { serviceClusterIPRange: opts.serviceClusterIPRange } : {}),
    ...(opts.maxInFlight ? { maxInFlight: opts.maxInFlight } : {}),
    ...(opts.priorityAndFairness !== undefined ? { priorityAndFairness: opts.priorityAndFairness } : {}),
    ...(opts.auditor ? { auditor: opts.auditor } : {}),
    ...(opts.aggregator ? { aggregator: opts.aggregator } : {}),
    ...(opts.extraHealthChecks ? { extraHealthChecks: opts.extraHealthChecks } : {}),
    ...(opts.extraMetrics ? { extraMetrics: opts.extraMetrics } : {}),
    serverAddress: () => `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`,
  });
  const server = createSecureServer({
    cert: opts.tls.cert,
    key: opts.tls.key,
    ca: opts.tls.clientCA,
    allowHTTP1: true,
    requestCert: true,
    rejectUnauthorized: false,
    ciphers: servingCiphers,
    // Streams one HTTP/2 connection may have open at once (kube-apiserver's --http2-max-streams-per-connection).
    settings: { maxConcurrentStreams: maxStreamsPerConnection },
  });
  closeIdleConnections(server, opts.idleConnectionTimeoutMs);
  const mounts: { prefix: string; handler: (req: ApiRequest) => Promise<ApiResponse> }[] = [];
  const mountFor = (url: string) => mounts.find((m) => url.startsWith(m.prefix) || url.split('?', 1)[0] === m.prefix.replace(/\/$/, ''));

  server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const lifetime = new ConnectionLifetime();
    res.on('close', () => lifetime.end());
    const apiReq: ApiRequest = {
      method: req.method,
      url: req.url,
      headers: plainHeaders(req),
      body: bodyReader(req),
      lifetime,
      ...(req.socket?.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}),
    };
    const certs = peerCertificates(req.socket as TLSSocket, req.stream?.session ?? req.socket);
    if (certs) apiReq.peerCertificates = certs;
    const mounted = mountFor(req.url);
    // HTTP/2 names the host in :authority, which the plain headers leave out
    if (mounted && getOwn(apiReq.headers, 'host') === undefined && req.authority) setOwn(apiReq.headers, 'host', req.authority);
    (mounted ? mounted.handler(apiReq) : api.handle(apiReq))
      .then((r) => writeResponse(res, r, lifetime))
      .catch((e: unknown) => {
        console.error('apiserver: failed to write a response:', e);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const lifetime = new ConnectionLifetime();
    socket.on('close', () => lifetime.end());
    const apiReq: ApiRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: plainHeaders(req),
      lifetime,
      upgrade: { request: req, socket, head },
      ...(req.socket?.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}),
    };
    const certs = peerCertificates(req.socket as TLSSocket);
    if (certs) apiReq.peerCertificates = certs;
    api
      .handle(apiReq)
      .then((r) => {
        if (r.hijacked) return;
        const body = typeof r.body === 'string' ? r.body : r.body instanceof Uint8Array ? Buffer.from(r.body).toString() : '';
        const lines = [`HTTP/1.1 ${r.status} ${r.status === 200 ? 'OK' : 'Error'}`, 'Connection: close'];
        for (const [k, v] of Object.entries(r.headers)) lines.push(`${k}: ${Array.isArray(v) ? v.join(', ') : v}`);
        lines.push(`content-length: ${Buffer.byteLength(body)}`);
        socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
      })
      .catch(() => socket.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : opts.port;
  // Further addresses hand their connections to the one TLS server, so every listener serves the same pipeline.
  const extraListeners: TcpServer[] = [];
  try {
    for (const host of opts.additionalHosts ?? []) {
      if (host === opts.host) continue;
      const tcp = createTcpServer((sock) => server.emit('connection', sock));
      extraListeners.push(tcp);
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, host, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
    }
  } catch (e) {
    for (const l of extraListeners) l.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw e;
  }
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const sessions = new Set<{ destroy(): void }>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  const sockets = new Set<{ destroy(): void }>();
  server.on('secureConnection', (sock: TLSSocket) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
  });
  return {
    port,
    url: `https://${hostForUrl}:${port}`,
    api,
    handler: (req) => api.handle(req),
    mount: (prefix, handler) => void mounts.push({ prefix, handler }),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const l of extraListeners) l.close();
      for (const s of sessions) s.destroy();
      for (const s of sockets) s.destroy();
      await closed;
      await api.close();
    },
  };
}
