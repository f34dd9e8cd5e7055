// Relays an HTTP/1.1 Upgrade request (WebSocket or SPDY) to another server and then copies bytes both ways,
// whatever the protocol turns out to be: the upstream's answer, 101 or an error, reaches the client unchanged.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** Request headers that belong to the hop (credentials for this server, proxying) and are not passed on. */
const notForwarded = new Set(['host', 'authorization', 'proxy-authorization', 'cookie', 'content-length', 'transfer-encoding', 'keep-alive', 'te', 'trailer', 'proxy-connection']);

export interface RelayTarget {
  /** Opens the connection to the upstream (plain TCP or TLS), resolved once connected. */
  connect(): Promise<Duplex>;
  /** Request line target: path and query. */
  path: string;
  /** The Host header for the upstream. */
  host: string;
  /** Headers to add (or replace) on the upstream request; a list is sent as one line per value. */
  headers?: Record<string, string | string[]>;
  /** Drop these client headers too (lower case), e.g. impersonation headers already acted on. */
  dropHeaders?: (name: string) => boolean;
}

/** The request head sent upstream: the client's method, the target's path, the client's protocol headers. */
export function upstreamRequestHead(req: IncomingMessage, t: RelayTarget): string {
  const lines = [`${req.method ?? 'GET'} ${t.path} HTTP/1.1`, `Host: ${t.host}`];
  const extra = new Set(Object.keys(t.headers ?? {}).map((k) => k.toLowerCase()));
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const value = raw[i + 1] ?? '';
    const lower = name.toLowerCase();
    if (notForwarded.has(lower) || extra.has(lower) || t.dropHeaders?.(lower)) continue;
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) continue;
    lines.push(`${name}: ${value}`);
  }
  for (const [k, v] of Object.entries(t.headers ?? {})) for (const one of Array.isArray(v) ? v : [v]) if (!/[\r\n]/.test(k + one)) lines.push(`${k}: ${one}`);
  lines.push('Content-Length: 0');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Connects `socket` (the client's raw connection) to the upstream; resolves when both sides are closed. */
export async function relayUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, t: RelayTarget): Promise<void> {
  let upstream: Duplex;
  try {
    upstream = await t.connect();
  } catch (e) {
    // Nothing was relayed yet: answer like a proxy would.
    const body = `error dialing backend: ${e instanceof Error ? e.message : String(e)}`;
    if (!socket.destroyed) socket.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    return;
  }
  if (socket.destroyed) {
    // the client left while the upstream was being dialled
    upstream.destroy();
    return;
  }
  await new Promise<void>((resolve) => {
    let closed = 0;
    const done = () => {
      if (++closed === 2) resolve();
    };
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    upstream.on('close', () => {
      // what the upstream sent may still sit in the client socket's buffer: end (flush, then close), never drop it
      if (!socket.destroyed) {
        socket.end();
        setTimeout(() => socket.destroy(), 30_000).unref();
      }
      done();
    });
    socket.on('close', () => {
      upstream.destroy();
      done();
    });
    upstream.write(upstreamRequestHead(req, t));
    if (head.length > 0) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
}

/** Opens a plain TCP or TLS connection and resolves once it is established. */
export function dial(open: () => Duplex, readyEvent: 'connect' | 'secureConnect'): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const s = open();
    s.once(readyEvent, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}
