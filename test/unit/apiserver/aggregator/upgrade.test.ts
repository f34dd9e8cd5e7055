// Upgrade requests (exec-like streams) for an aggregated group/version go through the real TLS front door to the
// backend with the front-proxy identity, and bytes then flow both ways.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { createCertificateAuthority, issueCertificate } from '../../../../src/pki/certs.js';
import { startApiServer, type RunningApiServer } from '../../../../src/apiserver/server.js';
import { createMemoryStorage } from '../../../../src/storage/memory.js';
import { allowAll, testAuthenticator } from '../helpers.js';
import { makeCerts, startTestBackend, type TestBackend } from './test-backend.js';

let server: RunningApiServer;
let backend: TestBackend;
let caCert = '';

before(async () => {
  const certs = await makeCerts();
  backend = await startTestBackend(certs);
  const ca = await createCertificateAuthority('test-ca');
  caCert = ca.cert;
  const serving = await issueCertificate(ca, { commonName: 'apiserver', ipAddresses: ['127.0.0.1'], usage: 'server', validDays: 1 });
  server = await startApiServer({ storage: createMemoryStorage(), tls: { cert: serving.cert, key: serving.key, clientCA: ca.cert }, authenticator: testAuthenticator, authorizer: allowAll, host: '127.0.0.1', port: 0, aggregator: { proxyClient: certs.frontProxyClient } });
  const call = (method: string, url: string, body: unknown) => server.api.handle({ method, url, headers: { authorization: 'Bearer test-token', 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  await call('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api' }, spec: { type: 'ExternalName', externalName: '127.0.0.1' } });
  await call('POST', '/apis/apiregistration.k8s.io/v1/apiservices', { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1alpha1.wardle.example.com' }, spec: { group: 'wardle.example.com', version: 'v1alpha1', groupPriorityMinimum: 1000, versionPriority: 15, service: { namespace: 'default', name: 'api', port: backend.port }, caBundle: backend.caBundle } });
  for (let i = 0; i < 400; i++) {
    const r = await server.api.handle({ method: 'GET', url: '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders', headers: { authorization: 'Bearer test-token' } });
    if (r.status === 200) break;
    await new Promise((res) => setTimeout(res, 25));
  }
});

after(async () => {
  await server.close();
  await backend.close();
});

test('an upgrade is relayed to the backend as the user, then bytes flow both ways', async () => {
  const { status, user, groups, socket } = await new Promise<{ status: number; user: string; groups: string; socket: Duplex }>((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: server.port, ca: caCert,
      path: '/apis/wardle.example.com/v1alpha1/namespaces/default/flunders/first/attach',
      headers: { connection: 'Upgrade', upgrade: 'test', authorization: 'Bearer test-token', 'x-remote-user': 'mallory' },
    });
    req.on('upgrade', (r, s) => resolve({ status: r.statusCode ?? 0, user: String(r.headers['x-seen-user']), groups: String(r.headers['x-seen-groups']), socket: s }));
    req.on('response', (r) => reject(new Error(`no upgrade: ${r.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
  assert.equal(status, 101);
  assert.equal(user, 'tester');
  assert.equal(groups, '["system:masters","system:authenticated"]');
  const echoed = await new Promise<string>((resolve) => {
    socket.once('data', (d: Buffer) => resolve(d.toString()));
    socket.write('ping');
  });
  assert.equal(echoed, 'ping');
  socket.destroy();
});
