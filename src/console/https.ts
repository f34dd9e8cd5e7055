// The HTTPS server of `a-kube console`: HTTP/1.1 and HTTP/2 over TLS, each request handed to the console handler.
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { getOwn, setOwn } from '../api/own.js';
import type { ApiRequest, HeaderMap } from '../apiserver/types.js';
import { writeResponse } from '../apiserver/write-response.js';
import { ConnectionLifetime } from '../apiserver/lifetime.js';
import type { ConsoleHandler } from './handler.js';

const maxBody = 64 * 1024;

export interface RunningConsole {
  port: number;
  close(): Promise<void>;
}

function headersOf(req: Http2ServerRequest): HeaderMap {
  const out: HeaderMap = {};
  for (const [k, v] of Object.entries(req.headers)) if (!k.startsWith(':')) setOwn(out, k, v);
  if (getOwn(out, 'host') === undefined && req.authority) setOwn(out, 'host', req.authority);
  return out;
}

export async function serveConsole(handler: ConsoleHandler, opts: { host: string; port: number; tls: { cert: string; key: string } }): Promise<RunningConsole> {
  const server = createSecureServer({ cert: opts.tls.cert, key: opts.tls.key, allowHTTP1: true });
  server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
    const lifetime = new ConnectionLifetime();
    res.on('close', () => lifetime.end());
    const body = () =>
      new Promise<Uint8Array>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBody) {
            reject(new Error('request body too large'));
            req.destroy();
            return;
          }
          chunks.push(c);
        });
        req.on('end', () => resolve(Buffer.concat(chunks)));
        req.on('error', reject);
      });
    const apiReq: ApiRequest = { method: req.method, url: req.url, headers: headersOf(req), body, lifetime, ...(req.socket?.remoteAddress ? { remoteAddress: req.socket.remoteAddress } : {}) };
    handler(apiReq)
      .then((r) => writeResponse(res, { ...r, headers: { ...r.headers, 'strict-transport-security': 'max-age=31536000' } }, lifetime))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : opts.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
