// Connection limits: idle connections are closed after the idle timeout (a session with an open stream, a quiet
// watch, is kept), and one HTTP/2 connection may open at most 1000 streams at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:http2';
import { connect as tlsConnect } from 'node:tls';
import { setTimeout as delay } from 'node:timers/promises';
import { createCertificateAuthority, issueCertificate } from '../../../src/pki/certs.js';
import { startApiServer, type RunningApiServer } from '../../../src/apiserver/server.js';
import { createMemoryStorage } from '../../../src/storage/memory.js';
import { allowAll, testAuthenticator } from './helpers.js';

let server: RunningApiServer;
let caCert = '';
const idleMs = 300;

before(async () => {
  const ca = await createCertificateAuthority('test-ca');
  caCert = ca.cert;
  const serving = await issueCertificate(ca, { commonName: 'apiserver', ipAddresses: ['127.0.0.1'], usage: 'server', validDays: 1 });
  server = await startApiServer({ storage: createMemoryStorage(), tls: { cert: serving.cert, key: serving.key, clientCA: ca.cert }, authenticator: testAuthenticator, authorizer: allowAll, host: '127.0.0.1', port: 0, idleConnectionTimeoutMs: idleMs });
  const ns = await server.api.handle({ method: 'POST', url: '/api/v1/namespaces', headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' }, body: '{"metadata":{"name":"default"}}' });
  assert.equal(ns.status, 201);
});
after(async () => server.close());

test('an HTTP/2 connection that sends nothing is closed by the server', { timeout: 20_000 }, async () => {
  const client = connect(server.url, { ca: caCert });
  client.on('error', () => {});
  const closedBy = await new Promise<string>((resolve) => {
    client.once('goaway', () => resolve('goaway'));
    client.once('close', () => resolve('close'));
  });
  assert.ok(['goaway', 'close'].includes(closedBy));
  client.destroy();
});

test('an HTTP/1.1 connection that sends nothing is closed by the server', { timeout: 20_000 }, async () => {
  const socket = tlsConnect({ host: '127.0.0.1', port: server.port, ca: caCert, ALPNProtocols: ['http/1.1'] });
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
});

test('a session with an open watch outlives the idle timeout', { timeout: 20_000 }, async () => {
  const client = connect(server.url, { ca: caCert });
  client.on('error', () => {});
  let closed = false;
  client.once('close', () => (closed = true));
  const req = client.request({ ':path': '/api/v1/namespaces/default/configmaps?watch=1', authorization: 'Bearer test-token' });
  req.on('data', () => {});
  await new Promise<void>((resolve) => req.once('response', () => resolve()));
  await delay(idleMs * 4);
  assert.equal(closed, false);
  req.close();
  client.close();
});

test('the server limits the streams of one connection to 1000', { timeout: 20_000 }, async () => {
  const client = connect(server.url, { ca: caCert });
  client.on('error', () => {});
  const settings = await new Promise<{ maxConcurrentStreams?: number }>((resolve) => client.once('remoteSettings', resolve));
  assert.equal(settings.maxConcurrentStreams, 1000);
  client.destroy();
});
