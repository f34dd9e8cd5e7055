// WebSocket v5.channel.k8s.io for clients (kubectl >= 1.30, a-kubectl) in front of a runtime streaming server that
// speaks v4.channel.k8s.io (containerd 1.6). Both frame each binary message with its channel byte (0 stdin,
// 1 stdout, 2 stderr, 3 error/Status, 4 resize); v5 adds the client's close signal [255, channel]. The runtime
// side has no way to end stdin, so the signal ends here: it is only honoured by closing the session once the
// runtime has nothing more to say.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';

export const channelV5 = 'v5.channel.k8s.io';
export const channelV4 = 'v4.channel.k8s.io';

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

/** Accepts the client's v5 WebSocket and connects it to the runtime's v4 endpoint at `runtimeUrl`. */
export function bridgeV5ToV4(req: IncomingMessage, socket: Duplex, head: Buffer, runtimeUrl: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const upstream = new WebSocket(runtimeUrl.replace(/^http/, 'ws'), [channelV4], { perMessageDeflate: false });
    const early: Buffer[] = [];
    let client: WebSocket | undefined;
    upstream.on('unexpected-response', (_r, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        socket.end(`HTTP/1.1 ${res.statusCode ?? 500} ${res.statusMessage ?? ''}\r\nContent-Type: ${res.headers['content-type'] ?? 'text/plain'}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString('latin1')}`, 'latin1');
        resolve();
      });
    });
    upstream.on('error', (e) => {
      if (!client) {
        const body = `error dialing the container runtime's streaming server: ${e.message}`;
        socket.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
        resolve();
      } else client.terminate();
    });
    upstream.on('message', (data: Buffer) => {
      if (client) client.send(data, { binary: true });
      else early.push(data);
    });
    upstream.on('close', () => {
      if (client) client.close(1000);
      resolve();
    });
    upstream.on('open', () => {
      server.handleUpgrade(req, socket, head, (ws) => {
        client = ws;
        for (const m of early) ws.send(m, { binary: true });
        early.length = 0;
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          const buf = isBinary ? data : Buffer.from(data);
          if (buf[0] === 255) return; // close signal: nothing to forward it to on a v4 runtime
          if (upstream.readyState === WebSocket.OPEN) upstream.send(buf, { binary: true });
        });
        ws.on('close', () => upstream.close());
        ws.on('error', () => upstream.terminate());
      });
    });
  });
}
