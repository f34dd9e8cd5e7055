import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, ConnectionError } from '../../../src/client/api-error.js';
import { createRestClient } from '../../../src/client/rest.js';
import type { WatchEvent } from '../../../src/client/watch.js';
import { decodeWatchStream } from '../../../src/client/watch.js';

async function fakeServer(t: { after(fn: () => Promise<void>): void }, handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test('requests carry auth, impersonation, user agent and content type; JSON comes back parsed', async (t) => {
  const seen: Record<string, unknown>[] = [];
  const url = await fakeServer(t, (req, res, body) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers, body });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c' } }));
  });
  const client = createRestClient({ server: url, token: 't0k', impersonate: { user: 'jane', groups: ['a', 'b'], uid: '42' }, headers: { 'Kubectl-Command': 'kubectl get' } });
  t.after(() => client.close());
  const obj = await client.patch('/api/v1/namespaces/x/configmaps/c', { data: { a: '1' } }, 'merge', { query: { fieldManager: 'kubectl-label', dryRun: undefined } });
  assert.equal(obj.metadata.name, 'c');
  const req = seen[0] as { method: string; url: string; headers: Record<string, string | string[]>; body: string };
  assert.equal(req.method, 'PATCH');
  assert.equal(req.url, '/api/v1/namespaces/x/configmaps/c?fieldManager=kubectl-label');
  assert.equal(req.headers['content-type'], 'application/merge-patch+json');
  assert.equal(req.headers.authorization, 'Bearer t0k');
  assert.equal(req.headers['impersonate-user'], 'jane');
  assert.equal(req.headers['impersonate-group'], 'a, b');
  assert.equal(req.headers['impersonate-uid'], '42');
  assert.equal(req.headers['kubectl-command'], 'kubectl get');
  assert.match(String(req.headers['user-agent']), /^a-kubectl\/v/);
  assert.equal(req.body, '{"data":{"a":"1"}}');
});

test('a Status answer becomes an ApiError carrying it; other error bodies get client-go’s generic text', async (t) => {
  const url = await fakeServer(t, (req, res) => {
    if (req.url?.startsWith('/status')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "x" not found', reason: 'NotFound', code: 404 }));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found');
    }
  });
  const client = createRestClient({ server: url });
  t.after(() => client.close());
  await assert.rejects(client.get('/status'), (e: unknown) => e instanceof ApiError && e.reason === 'NotFound' && e.message === 'pods "x" not found');
  await assert.rejects(client.get('/other'), (e: unknown) => e instanceof ApiError && e.code === 404 && e.message === 'the server could not find the requested resource');
});

test('no server: ConnectionError naming the host', async () => {
  const client = createRestClient({ server: 'http://127.0.0.1:1' });
  await assert.rejects(client.get('/api'), (e: unknown) => e instanceof ConnectionError && e.host === '127.0.0.1:1' && /ECONNREFUSED/.test(e.message));
  client.close();
});

test('watch streams newline-delimited events and stops on abort', async (t) => {
  const url = await fakeServer(t, (req, res) => {
    assert.match(req.url ?? '', /watch=true/);
    assert.match(req.url ?? '', /resourceVersion=7/);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a"}}}\n{"type":"MODI');
    setImmediate(() => res.write('FIED","object":{"kind":"Pod","metadata":{"name":"a","resourceVersion":"9"}}}\n'));
  });
  const client = createRestClient({ server: url });
  t.after(() => client.close());
  const ac = new AbortController();
  const got: WatchEvent[] = [];
  for await (const ev of client.watch('/api/v1/pods', { resourceVersion: '7' }, ac.signal)) {
    got.push(ev);
    if (got.length === 2) ac.abort();
  }
  assert.deepEqual(got.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'a'], ['MODIFIED', 'a']]);
});

test('decodeWatchStream handles characters split across chunks and ERROR events', async () => {
  const text = Buffer.from('{"type":"ADDED","object":{"metadata":{"name":"é"}}}\n{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"Expired","code":410}}\n');
  const split = text.indexOf(Buffer.from('é')) + 1;
  async function* chunks() {
    yield text.subarray(0, split);
    yield text.subarray(split);
  }
  const events: WatchEvent[] = [];
  for await (const e of decodeWatchStream(chunks())) events.push(e);
  assert.equal(events[0]?.object.metadata.name, 'é');
  assert.equal(events[1]?.type, 'ERROR');
});
