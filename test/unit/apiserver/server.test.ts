// The real HTTP/2 + TLS front door: h2 requests, HTTP/1.1 fallback, upgrades handed to registered handlers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import https from 'node:https';
import { TLSSocket } from 'node:tls';
import { createCertificateAuthority, issueCertificate } from '../../../src/pki/certs.js';
import { startApiServer, type RunningApiServer } from '../../../src/apiserver/server.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { allowAll, testAuthenticator } from './helpers.js';

let server: RunningApiServer;
let caCert = '';
let ca: Awaited<ReturnType<typeof createCertificateAuthority>>;

before(async () => {
  ca = await createCertificateAuthority('test-ca');
  caCert = ca.cert;
  const serving = await issueCertificate(ca, { commonName: 'apiserver', ipAddresses: ['127.0.0.1'], usage: 'server', validDays: 1 });
  server = await startApiServer({ storage: createMemoryStorage(), tls: { cert: serving.cert, key: serving.key, clientCA: ca.cert }, authenticator: testAuthenticator, authorizer: allowAll, host: '127.0.0.1', port: 0 });
});
after(async () => server.close());

function h2(path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const client = connect(server.url, { ca: caCert });
    client.on('error', reject);
    const req = client.request({ ':path': path, ':method': body === undefined ? 'GET' : 'POST', authorization: 'Bearer test-token', ...headers });
    let text = '';
    let status = 0;
    let hs: Record<string, unknown> = {};
    req.on('response', (h) => {
      status = Number(h[':status']);
      hs = h;
    });
    req.setEncoding('utf8');
    req.on('data', (d: string) => (text += d));
    req.on('end', () => {
      client.close();
      resolve({ status, headers: hs, text });
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('HTTP/2: version, create, and a bounded watch without transfer-encoding', async () => {
  const v = await h2('/version');
  assert.equal(v.status, 200);
  assert.equal(JSON.parse(v.text).minor, '32');
  const ns = await h2('/api/v1/namespaces', { 'content-type': 'application/json' }, JSON.stringify({ metadata: { name: 'h2' } }));
  assert.equal(ns.status, 201, ns.text);
  const w = await h2('/api/v1/namespaces?watch=1&timeoutSeconds=1');
  assert.equal(w.status, 200);
  assert.equal(w.headers['transfer-encoding'], undefined);
  assert.match(w.text, /"type":"ADDED"/);
});

test('HTTP/2: a body over 3 MiB → 413 and the server keeps answering', async () => {
  const r = await h2('/api/v1/namespaces', { 'content-type': 'application/json' }, `{"metadata":{"name":"x"},"x":"${'a'.repeat(3 * 1024 * 1024 + 10)}"}`);
  assert.equal(r.status, 413);
  assert.equal((await h2('/healthz')).text, 'ok');
});

test('HTTP/1.1 upgrade requests reach a registered subresource handler after authentication', async () => {
  server.api.registerSubresource('', 'pods', 'exec', async (scope) => {
    const up = scope.req.upgrade;
    if (!up) return { status: 400, headers: {}, body: 'upgrade required' };
    up.socket.end(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\nX-User: ${scope.ctx.user?.name ?? ''}\r\n\r\n`);
    return { status: 101, headers: {}, hijacked: true };
  });
  const res = await new Promise<{ status: number; user: string }>((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1',
      port: server.port,
      path: '/api/v1/namespaces/default/pods/p/exec?command=ls',
      ca: caCert,
      headers: { connection: 'Upgrade', upgrade: 'test', authorization: 'Bearer test-token' },
    });
    req.on('upgrade', (r, socket) => {
      socket.destroy();
      resolve({ status: r.statusCode ?? 0, user: String(r.headers['x-user']) });
    });
    req.on('response', (r) => resolve({ status: r.statusCode ?? 0, user: '' }));
    req.on('error', reject);
    req.end();
  });
  assert.deepEqual(res, { status: 101, user: 'tester' });
});

test('HTTP/2: a connection\'s client certificate is read once, not once per request on it', async () => {
  const client = await issueCertificate(ca, { commonName: 'someone', usage: 'client', validDays: 1 });
  const original = TLSSocket.prototype.getPeerCertificate;
  let reads = 0;
  TLSSocket.prototype.getPeerCertificate = function counted(this: TLSSocket, ...args: Parameters<typeof original>) {
    reads++;
    return original.apply(this, args);
  } as typeof original;
  const session = connect(server.url, { ca: caCert, cert: client.cert, key: client.key });
  try {
    const readsAfter: number[] = [];
    for (let i = 0; i < 3; i++) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = session.request({ ':path': '/version' });
        let code = 0;
        req.on('response', (h) => (code = Number(h[':status'])));
        req.on('error', reject);
        req.resume();
        req.on('end', () => resolve(code));
        req.end();
      });
      assert.equal(status, 200);
      readsAfter.push(reads);
    }
    // the client checks the server's certificate and the server reads the client's, both at the first request
    assert.ok(readsAfter[0]! > 0);
    assert.deepEqual(readsAfter, [readsAfter[0], readsAfter[0], readsAfter[0]], 'no more reads for later requests');
  } finally {
    TLSSocket.prototype.getPeerCertificate = original;
    session.close();
  }
});
