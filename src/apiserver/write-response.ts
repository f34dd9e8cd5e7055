// Writing an ApiResponse to a Node HTTP/1.1 or HTTP/2 response: whole bodies with their length, streams (watch,
// the console's event streams) chunk by chunk, waiting for the connection to drain so a slow reader is asked for
// no more than it takes.
import type { Http2ServerResponse } from 'node:http2';
import type { OutgoingHttpHeaders } from 'node:http';
import type { ConnectionLifetime } from './lifetime.js';
import type { ApiResponse } from './types.js';

export async function writeResponse(res: Http2ServerResponse, r: ApiResponse, lifetime: ConnectionLifetime): Promise<void> {
  if (r.hijacked) return;
  const headers: OutgoingHttpHeaders = { ...r.headers };
  const body = r.body;
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
    const buf = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
    headers['content-length'] = String(buf?.byteLength ?? 0);
    res.writeHead(r.status, headers);
    if (buf) res.end(buf);
    else res.end();
    return;
  }
  res.writeHead(r.status, headers);
  // A watch may have nothing to say for a while: clients wait for the headers before they read events.
  // (HTTP/1.1 responses have flushHeaders; the HTTP/2 compatibility response sends headers with writeHead.)
  (res as unknown as { flushHeaders?: () => void }).flushHeaders?.();
  for await (const chunk of body) {
    if (lifetime.closed) break;
    if (!res.write(chunk)) await new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }
  res.end();
}
