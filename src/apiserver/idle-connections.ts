// Connections that carry no request are closed after an idle timeout (kube-apiserver's server closes idle
// connections after 90 s), so idle clients cannot hold file descriptors for good. An HTTP/2 session with an
// open stream (a quiet watch) is not idle; neither is an upgraded HTTP/1.1 connection (exec, attach).
import type { Http2SecureServer, Http2ServerRequest, ServerHttp2Session } from 'node:http2';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export const idleConnectionTimeoutMs = 90_000;

export function closeIdleConnections(server: Http2SecureServer, idleMs = idleConnectionTimeoutMs): void {
  if (idleMs <= 0) return;
  server.on('session', (session: ServerHttp2Session) => {
    let open = 0;
    session.on('stream', (stream) => {
      open++;
      stream.once('close', () => open--);
    });
    session.setTimeout(idleMs, () => {
      if (open === 0) session.close();
    });
  });
  // HTTP/1.1: the socket's own idle timer, paused while a request is in progress.
  const busy = new WeakMap<object, number>();
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol === 'h2') return;
    socket.setTimeout(idleMs, () => {
      if ((busy.get(socket) ?? 0) === 0) socket.destroy();
    });
  });
  server.on('request', (req: Http2ServerRequest) => {
    if (req.httpVersionMajor !== 1) return;
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    req.once('close', () => busy.set(socket, (busy.get(socket) ?? 1) - 1));
  });
  server.on('upgrade', (req: IncomingMessage) => req.socket.setTimeout(0));
}
