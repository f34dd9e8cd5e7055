// The transport's limit: a bare node:http2 server with the same TLS set-up as the API server, answering fixed bodies.
// baseline-main.ts runs it as its own process.
//   PUT  /bodies/NAME  stores the request body as NAME (204)
//   GET  /bodies/NAME  answers NAME (200)
//   POST /bodies/NAME  reads the request body, answers NAME (201)
//   GET  /watch        an endless stream of events
//   POST /watch        sends {"type":"ADDED","object":BODY} to every open /watch stream, answers BODY (201)
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';

function readBody(req: Http2ServerRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function answer(res: Http2ServerResponse, status: number, body?: Buffer): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(body?.byteLength ?? 0) });
  if (body) res.end(body);
  else res.end();
}

export interface BaselineServer {
  url: string;
  close(): Promise<void>;
}

export function startBaselineServer(tls: { cert: string; key: string; ca: string }): Promise<BaselineServer> {
  const bodies = new Map<string, Buffer>();
  const watchers = new Set<Http2ServerResponse>();
  const server = createSecureServer({ cert: tls.cert, key: tls.key, ca: tls.ca, allowHTTP1: true, requestCert: true, rejectUnauthorized: false });

  async function handle(req: Http2ServerRequest, res: Http2ServerResponse): Promise<void> {
    const url = req.url;
    if (url === '/watch' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      watchers.add(res);
      res.on('close', () => watchers.delete(res));
      return;
    }
    if (url === '/watch' && req.method === 'POST') {
      const body = await readBody(req);
      const event = Buffer.concat([Buffer.from('{"type":"ADDED","object":'), body, Buffer.from('}\n')]);
      for (const w of watchers) w.write(event);
      return answer(res, 201, body);
    }
    const name = url.startsWith('/bodies/') ? url.slice('/bodies/'.length) : undefined;
    if (name === undefined) return answer(res, 404);
    if (req.method === 'PUT') {
      bodies.set(name, await readBody(req));
      return answer(res, 204);
    }
    const body = bodies.get(name);
    if (!body) return answer(res, 404);
    if (req.method === 'GET') return answer(res, 200, body);
    if (req.method === 'POST') {
      await readBody(req);
      return answer(res, 201, body);
    }
    return answer(res, 405);
  }

  server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => {
    handle(req, res).catch(() => res.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address !== 'object' || !address) return reject(new Error('baseline server has no address'));
      resolve({
        url: `https://127.0.0.1:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            for (const w of watchers) w.end();
            server.close(() => done());
          }),
      });
    });
  });
}
