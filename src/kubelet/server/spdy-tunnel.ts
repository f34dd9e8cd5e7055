// Port-forward over WebSocket as kubectl >= 1.31 asks for it: the client offers the WebSocket subprotocol
// `SPDY/3.1+portforward.k8s.io` and then speaks plain SPDY/3.1 inside binary WebSocket messages (the message
// boundaries mean nothing; the payloads form one byte stream each way). The runtime's streaming server speaks
// SPDY over a plain upgrade, so the node upgrades to it with the tunnelled protocols, accepts the WebSocket with
// the protocol the runtime chose (prefixed again), and copies payload bytes both ways.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { offeredProtocols, upgradeToSpdy } from './channel-v5.js';

export const tunnelPrefix = 'SPDY/3.1+';

/** The SPDY protocols a WebSocket request tunnels (`SPDY/3.1+<name>.k8s.io`, prefix removed). */
export function tunnelledProtocols(req: IncomingMessage): string[] {
  return offeredProtocols(req)
    .filter((p) => p.startsWith(tunnelPrefix) && p.endsWith('.k8s.io'))
    .map((p) => p.slice(tunnelPrefix.length));
}

/** Bytes queued toward the client beyond which reading from the runtime pauses. */
const highWater = 4 * 1024 * 1024;

/** Accepts the client's tunnelling WebSocket and joins it to a SPDY connection with the runtime at `runtimeUrl`. */
export async function tunnelSpdyOverWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, runtimeUrl: string, protocols: string[]): Promise<void> {
  let upstream: Awaited<ReturnType<typeof upgradeToSpdy>>;
  try {
    upstream = await upgradeToSpdy(runtimeUrl, protocols);
  } catch (e) {
    const body = `error dialing the container runtime's streaming server: ${e instanceof Error ? e.message : String(e)}`;
    socket.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    return;
  }
  if ('refused' in upstream) {
    socket.end(upstream.refused);
    return;
  }
  const { socket: runtime, rest } = upstream;
  const chosen = upstream.protocol ? `${tunnelPrefix}${upstream.protocol}` : undefined;
  // These subprotocols hold a '/', which is no token character, so the WebSocket library would refuse the
  // request's header: the chosen one is checked here and written into the answer by hand.
  const offered = offeredProtocols(req);
  delete req.headers['sec-websocket-protocol'];
  const server = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  if (chosen && offered.includes(chosen)) server.on('headers', (headers: string[]) => headers.push(`Sec-WebSocket-Protocol: ${chosen}`));
  await new Promise<void>((resolve) => {
    server.handleUpgrade(req, socket, head, (ws) => {
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        runtime.destroy();
        if (ws.readyState === WebSocket.OPEN) ws.close(1000);
        server.close();
        resolve();
      };
      const toClient = (chunk: Buffer) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        ws.send(chunk, { binary: true }, () => {
          if (runtime.isPaused() && ws.bufferedAmount < highWater) runtime.resume();
        });
        if (ws.bufferedAmount >= highWater) runtime.pause();
      };
      if (rest.length > 0) toClient(rest);
      runtime.on('data', toClient);
      runtime.on('end', finish);
      runtime.on('close', finish);
      runtime.on('error', finish);
      runtime.resume();
      ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
        // Text messages have no meaning in the tunnel; the client sends binary only.
        if (!isBinary) return;
        const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
        if (!runtime.write(buf)) {
          ws.pause();
          runtime.once('drain', () => ws.resume());
        }
      });
      ws.on('close', finish);
      ws.on('error', finish);
    });
  });
}
