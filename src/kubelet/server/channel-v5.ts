// WebSocket v5.channel.k8s.io for clients (kubectl >= 1.30, a-kubectl) in front of a runtime streaming server that
// does not speak it (containerd 1.6 offers v4 over WebSocket, and SPDY/3.1). Each binary WebSocket message starts
// with its channel (0 stdin, 1 stdout, 2 stderr, 3 error/Status, 4 resize); v5 adds the client's close signal
// [255, channel]. The runtime side is a SPDY session with one stream per channel, where closing stdin is a FIN:
// that is what lets `cat`, `tar x` (kubectl cp) and the like see the end of their input.
import type { IncomingMessage } from 'node:http';
import { connect as tcpConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { SpdyClientSession, type SpdyStream } from '../../streaming/spdy.js';
import type { StreamOptions } from './types.js';

export const channelV5 = 'v5.channel.k8s.io';
const remoteCommandV4 = 'v4.channel.k8s.io';
const channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** The WebSocket subprotocols a request offers, in its order. */
export function offeredProtocols(req: IncomingMessage): string[] {
  const h = req.headers['sec-websocket-protocol'];
  const all = Array.isArray(h) ? h.join(',') : (h ?? '');
  return all.split(',').map((p) => p.trim()).filter(Boolean);
}

export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

const server = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (protocols) => (protocols.has(channelV5) ? channelV5 : false) });

/**
 * Upgrades a connection to the runtime's URL to SPDY/3.1 with the given stream protocols (remote commands by
 * default); resolves with the socket, what followed the answer, and the protocol the runtime chose.
 */
export function upgradeToSpdy(runtimeUrl: string, protocols: string[] = [remoteCommandV4]): Promise<{ socket: Socket; rest: Buffer; protocol: string } | { refused: Buffer }> {
  const url = new URL(runtimeUrl);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(Number(url.port || 80), url.hostname);
    let head: Buffer = Buffer.alloc(0);
    socket.once('error', reject);
    socket.on('connect', () => {
      const versions = protocols.map((p) => `X-Stream-Protocol-Version: ${p}\r\n`).join('');
      socket.write(`POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${versions}Content-Length: 0\r\n\r\n`);
    });
    const onData = (c: Buffer) => {
      head = Buffer.concat([head, c]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 64 * 1024) socket.destroy(new Error('the runtime answered with an oversized header'));
        return;
      }
      socket.off('data', onData);
      socket.off('error', reject);
      if (/^HTTP\/1\.[01] 101 /.test(head.toString('latin1', 0, 16))) {
        socket.pause();
        const chosen = /\r\nx-stream-protocol-version:[ \t]*([^\r\n]*)/i.exec(head.toString('latin1', 0, end + 2));
        resolve({ socket, rest: head.subarray(end + 4), protocol: chosen?.[1]?.trim() ?? '' });
        return;
      }
      // not upgraded: hand the runtime's whole answer back (it closes the connection after it)
      const chunks = [head];
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('end', () => resolve({ refused: Buffer.concat(chunks) }));
      socket.on('error', () => resolve({ refused: Buffer.concat(chunks) }));
    };
    socket.on('data', onData);
  });
}

/** Accepts the client's v5 WebSocket and runs the command's streams over SPDY to the runtime at `runtimeUrl`. */
export async function bridgeV5ToSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, runtimeUrl: string, o: StreamOptions): Promise<void> {
  let upstream: Awaited<ReturnType<typeof upgradeToSpdy>>;
  try {
    upstream = await upgradeToSpdy(runtimeUrl);
  } catch (e) {
    const body = `error dialing the container runtime's streaming server: ${e instanceof Error ? e.message : String(e)}`;
    socket.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    return;
  }
  if ('refused' in upstream) {
    socket.end(upstream.refused);
    return;
  }
  const session = new SpdyClientSession(upstream.socket, upstream.rest);
  upstream.socket.resume();
  // The streams a remote command expects, in the order Kubernetes' clients create them.
  const open = (type: string) => session.openStream({ streamtype: type });
  const error = open('error');
  const stdin = o.stdin ? open('stdin') : undefined;
  const stdout = o.stdout ? open('stdout') : undefined;
  const stderr = o.stderr && !o.tty ? open('stderr') : undefined;
  const resize = o.tty ? open('resize') : undefined;

  await new Promise<void>((resolve) => {
    server.handleUpgrade(req, socket, head, (ws) => {
      const pending: Buffer[] = [];
      let flushing = true;
      const toClient = (ch: number) => (data: Buffer) => {
        const frame = Buffer.concat([Buffer.from([ch]), data]);
        if (flushing) pending.push(frame);
        else if (ws.readyState === WebSocket.OPEN) ws.send(frame);
      };
      const wire = (s: SpdyStream | undefined, ch: number) => {
        if (s) s.onData = toClient(ch);
      };
      wire(stdout, channel.stdout);
      wire(stderr, channel.stderr);
      wire(error, channel.error);
      for (const f of pending) ws.send(f);
      pending.length = 0;
      flushing = false;
      session.onClose = () => {
        if (ws.readyState === WebSocket.OPEN) ws.close(1000);
        resolve();
      };
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        const buf = isBinary ? data : Buffer.from(data);
        if (buf.length === 0) return;
        const payload = buf.subarray(1);
        switch (buf[0]) {
          case channel.stdin:
            stdin?.write(payload);
            break;
          case channel.resize:
            resize?.write(payload);
            break;
          case channel.close:
            if (payload[0] === channel.stdin) stdin?.end();
            break;
          default:
            break; // clients write nothing else
        }
      });
      ws.on('close', () => {
        session.close();
        resolve();
      });
      ws.on('error', () => session.close());
    });
  });
}
