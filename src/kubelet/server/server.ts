// The node agent's HTTPS server (the kubelet's port 10250): container logs, exec, attach and port-forward for the
// API server, which proxies pods/log, pods/exec, pods/attach and pods/portforward here. Callers authenticate with a
// certificate from the cluster CA (or a bearer token) and are authorised on nodes/<subresource> by the API server.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { dial, relayUpgrade } from '../../streaming/upgrade-relay.js';
import { forbiddenText, nodeAttributes, type Caller, type NodeAuth } from './auth.js';
import { bridgeV5ToSpdy, channelV5, isWebSocketUpgrade, offeredProtocols } from './channel-v5.js';
import type { LogReadOptions } from '../logs/cri-log.js';
import { tunnelledProtocols, tunnelSpdyOverWebSocket } from './spdy-tunnel.js';
import { parseNodePath, truthy, type NodePath } from './paths.js';
import type { NodeServerBackend, StreamOptions } from './types.js';

export interface NodeServerOptions {
  nodeName: string;
  /** Without a certificate yet, handshakes fail until setServingCertificate gives one (as the kubelet's do). */
  tls: { cert?: string; key?: string; clientCA: string };
  auth: NodeAuth;
  backend: NodeServerBackend;
  host: string;
  /** 0: any free port (reported in the Node's status.daemonEndpoints). */
  port: number;
  /** Served under /logs/ (nodes/log), when given. */
  logDirectory?: string;
  log?: (line: string) => void;
}

export interface RunningNodeServer {
  port: number;
  /** Serves new connections with this certificate from now on (a rotated one); open connections keep theirs. */
  setServingCertificate(pair: { cert: string; key: string }): void;
  close(): Promise<void>;
}

/** An error answer: a Status object, which kubectl prints as "Error from server (Reason): message". */
class HttpError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string) {
    super(message);
  }
}

function statusBody(e: HttpError): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: e.message, reason: e.reason, code: e.code });
}

function notFound(message: string): HttpError {
  return new HttpError(404, 'NotFound', message);
}

function badRequest(message: string): HttpError {
  return new HttpError(400, 'BadRequest', message);
}

function writeRaw(socket: Duplex, code: number, contentType: string, body: string): void {
  const text = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' }[code] ?? 'Error';
  if (!socket.destroyed) socket.end(`HTTP/1.1 ${code} ${text}\r\nContent-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function streamOptions(q: URLSearchParams): StreamOptions {
  // the API server sends the kubelet's names (input/output/error); the API's own names are accepted too
  const flag = (kubelet: string, api: string) => truthy(q.get(kubelet)) || truthy(q.get(api));
  return { stdin: flag('input', 'stdin'), stdout: flag('output', 'stdout'), stderr: flag('error', 'stderr'), tty: truthy(q.get('tty')) };
}

function logOptions(q: URLSearchParams, signal: AbortSignal): LogReadOptions {
  const int = (name: string): number | undefined => {
    const v = q.get(name);
    if (v === null || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw badRequest(`invalid ${name} "${v}"`);
    return Number(v);
  };
  const o: LogReadOptions = { signal, follow: truthy(q.get('follow')), timestamps: truthy(q.get('timestamps')) };
  const tail = int('tailLines');
  if (tail !== undefined && tail >= 0) o.tailLines = tail;
  const limit = int('limitBytes');
  if (limit !== undefined && limit > 0) o.limitBytes = limit;
  const sinceSeconds = int('sinceSeconds');
  const sinceTime = q.get('sinceTime');
  if (sinceSeconds !== undefined && sinceSeconds > 0) o.since = new Date(Date.now() - sinceSeconds * 1000);
  else if (sinceTime) {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t)) throw badRequest(`invalid sinceTime "${sinceTime}"`);
    o.since = new Date(t);
  }
  return o;
}

export async function startNodeServer(o: NodeServerOptions): Promise<RunningNodeServer> {
  const log = o.log ?? (() => {});
  const serving = o.tls.cert && o.tls.key ? { cert: o.tls.cert, key: o.tls.key } : {};
  const server: Server = createServer({ ...serving, ca: o.tls.clientCA, requestCert: true, rejectUnauthorized: false });
  const b = o.backend;

  /** Authenticates and authorises; throws an answer for the client otherwise. */
  async function admit(req: IncomingMessage, pathname: string): Promise<Caller> {
    const caller = await o.auth.authenticate(req).catch(() => undefined);
    if (!caller) throw new HttpError(401, 'Unauthorized', 'Unauthorized');
    const attrs = nodeAttributes(req.method ?? 'GET', pathname);
    const decision = await o.auth.authorize(caller, attrs);
    if (!decision.allowed) throw Object.assign(new HttpError(403, 'Forbidden', forbiddenText(caller, attrs)), { plain: true });
    return caller;
  }

  async function containerFor(p: Extract<NodePath, { container: string }>, previous = false) {
    const c = await b.container(p.pod, p.container, previous);
    if (!c) {
      const sandbox = await b.sandbox(p.pod);
      if (!sandbox) throw notFound(`pod "${p.pod.name}" in namespace "${p.pod.namespace}" does not exist on node "${o.nodeName}"`);
      if (previous) throw badRequest(`previous terminated container "${p.container}" in pod "${p.pod.name}" not found`);
      throw notFound(`container not found ("${p.container}")`);
    }
    return c;
  }

  function needStreaming(what: string) {
    if (!b.streaming) throw badRequest(`${what} is not supported by the container runtime "${b.runtimeName}" of node "${o.nodeName}": its containers run no processes`);
    return b.streaming;
  }

  async function serveLogs(req: IncomingMessage, res: ServerResponse, p: Extract<NodePath, { kind: 'containerLogs' }>, q: URLSearchParams): Promise<void> {
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    const opts = logOptions(q, ac.signal);
    const c = await containerFor(p, truthy(q.get('previous')));
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    for await (const chunk of b.logs(c, opts)) {
      if (ac.signal.aborted) break;
      if (!res.write(chunk)) await new Promise<void>((resolve) => { res.once('drain', resolve); res.once('close', resolve); });
    }
    res.end();
  }

  async function serveNodeLogs(res: ServerResponse, file: string): Promise<void> {
    if (!o.logDirectory) throw notFound('the node agent keeps no log directory');
    const root = normalize(o.logDirectory);
    const target = normalize(join(root, file));
    if (target !== root && !target.startsWith(root + sep)) throw notFound(`"${file}" not found`);
    const st = await stat(target).catch(() => undefined);
    if (!st) throw notFound(`"${file}" not found`);
    if (st.isDirectory()) {
      const names = (await readdir(target, { withFileTypes: true })).map((d) => (d.isDirectory() ? `${d.name}/` : d.name)).sort();
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<pre>\n${names.map((n) => `<a href="${encodeURI(n)}">${n.replace(/[<>&"]/g, '')}</a>`).join('\n')}\n</pre>\n`);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(st.size) });
    createReadStream(target).pipe(res);
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://node');
    void (async () => {
      await admit(req, url.pathname);
      const p = parseNodePath(url.pathname);
      if (!p) throw notFound('404 page not found');
      switch (p.kind) {
        case 'healthz':
          res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end('ok');
          return;
        case 'containerLogs':
          if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'MethodNotAllowed', `${req.method ?? ''} is not allowed`);
          return serveLogs(req, res, p, url.searchParams);
        case 'logs':
          return serveNodeLogs(res, p.file);
        case 'statsSummary': {
          if (!b.statsSummary) throw notFound(`the container runtime "${b.runtimeName}" of node "${o.nodeName}" keeps no resource usage`);
          const body = JSON.stringify(await b.statsSummary());
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) });
          res.end(body);
          return;
        }
        default:
          throw badRequest('Upgrade request required');
      }
    })().catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const err = e instanceof HttpError ? e : new HttpError(500, 'InternalError', e instanceof Error ? e.message : String(e));
      if (!(e instanceof HttpError)) log(`node server ${o.nodeName}: ${req.method ?? ''} ${url.pathname}: ${err.message}`);
      const plain = (err as { plain?: boolean }).plain === true || err.code === 401;
      res.writeHead(err.code, { 'Content-Type': plain ? 'text/plain; charset=utf-8' : 'application/json' });
      res.end(plain ? (err.code === 401 ? 'Unauthorized\n' : err.message) : statusBody(err));
    });
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'https://node');
    socket.on('error', () => socket.destroy());
    void (async () => {
      await admit(req, url.pathname);
      const p = parseNodePath(url.pathname);
      if (!p || (p.kind !== 'exec' && p.kind !== 'attach' && p.kind !== 'portForward')) throw notFound('404 page not found');
      const q = url.searchParams;
      let runtimeUrl: string;
      let so: StreamOptions | undefined;
      if (p.kind === 'portForward') {
        const streaming = needStreaming('port-forward');
        const sandbox = await b.sandbox(p.pod);
        if (!sandbox) throw notFound(`pod "${p.pod.name}" in namespace "${p.pod.namespace}" does not exist on node "${o.nodeName}"`);
        runtimeUrl = (await streaming.portForward(sandbox, [])).url;
      } else {
        const streaming = needStreaming(p.kind);
        const c = await containerFor(p);
        if (!c.running) throw badRequest(`container ${p.container} is not running`);
        so = streamOptions(q);
        if (p.kind === 'exec') {
          const command = q.getAll('command');
          if (command.length === 0) throw badRequest('you must specify at least one command for the container');
          runtimeUrl = (await streaming.exec(c.id, command, so)).url;
        } else runtimeUrl = (await streaming.attach(c.id, so)).url;
      }
      const target = new URL(runtimeUrl);
      const tunnelled = p.kind === 'portForward' && isWebSocketUpgrade(req) ? tunnelledProtocols(req) : [];
      if (tunnelled.length > 0) {
        await tunnelSpdyOverWebSocket(req, socket, head, runtimeUrl, tunnelled);
        return;
      }
      if (so && isWebSocketUpgrade(req) && offeredProtocols(req)[0] === channelV5) {
        await bridgeV5ToSpdy(req, socket, head, runtimeUrl, so);
        return;
      }
      await relayUpgrade(req, socket, head, {
        connect: () => dial(() => tcpConnect(Number(target.port || 80), target.hostname), 'connect'),
        path: `${target.pathname}${target.search}`,
        host: target.host,
      });
    })().catch((e: unknown) => {
      const err = e instanceof HttpError ? e : new HttpError(500, 'InternalError', e instanceof Error ? e.message : String(e));
      if (!(e instanceof HttpError)) log(`node server ${o.nodeName}: upgrade ${url.pathname}: ${err.message}`);
      const plain = (err as { plain?: boolean }).plain === true || err.code === 401;
      writeRaw(socket, err.code, plain ? 'text/plain; charset=utf-8' : 'application/json', plain ? (err.code === 401 ? 'Unauthorized\n' : err.message) : statusBody(err));
    });
  });

  const sockets = new Set<TLSSocket>();
  server.on('secureConnection', (s: TLSSocket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return {
    port,
    setServingCertificate(pair) {
      server.setSecureContext({ cert: pair.cert, key: pair.key, ca: o.tls.clientCA });
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
