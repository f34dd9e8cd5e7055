// services/proxy and pods/proxy through a whole in-process cluster, relaying to a small HTTP server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type RunningCluster } from '../../../src/cluster/control-plane.js';
import { serviceTarget, splitSchemeNamePort } from '../../../src/apiserver/node-proxy/http-proxy.js';

let cluster: RunningCluster;
let upstream: Server;
let port = 0;
let dir = '';

before(async () => {
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.setHeader('x-upstream', 'yes');
      res.end(JSON.stringify({ method: req.method, url: req.url, body, auth: req.headers.authorization ?? null }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  port = (upstream.address() as { port: number }).port;
  dir = mkdtempSync(join(tmpdir(), 'a-kube-proxy-'));
  cluster = await startCluster({ dataDir: dir, port: 0, listen: '127.0.0.1', storage: 'memory', anonymousAuth: true, runtime: 'none' });
  const c = cluster.adminClient;
  await c.create('/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo' }, spec: { ports: [{ name: 'http', port: 80 }] } });
  await c.create('/api/v1/namespaces/default/endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'echo' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'http', port }] }] });
  await c.create('/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'empty' }, spec: { ports: [{ port: 80 }] } });
  // The serviceaccount controller creates `default` shortly after start; a pod needs it (ServiceAccount admission).
  for (let i = 0; i < 200; i++) {
    const sa = await c.request({ method: 'GET', path: '/api/v1/namespaces/default/serviceaccounts/default' });
    if (sa.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await c.create('/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ name: 'web', containerPort: port }] }] } });
  const pod = await c.get<Record<string, unknown>>('/api/v1/namespaces/default/pods/p');
  await c.update('/api/v1/namespaces/default/pods/p/status', { ...pod, status: { phase: 'Running', podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }] } });
});

after(async () => {
  await cluster?.close();
  upstream?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('services/NAME:PORT/proxy/PATH reaches an endpoint with the path, query, method and body; credentials stay behind', async () => {
  const r = await cluster.adminClient.request({ method: 'POST', path: '/api/v1/namespaces/default/services/echo:http/proxy/some/path/', query: { x: '1' }, body: 'hello', contentType: 'text/plain' });
  assert.equal(r.status, 200, r.body.toString());
  assert.equal(r.headers['x-upstream'], 'yes');
  assert.deepEqual(JSON.parse(r.body.toString()), { method: 'POST', url: '/some/path/?x=1', body: 'hello', auth: null });
});

test('pods/NAME:PORT/proxy by a named container port', async () => {
  const r = await cluster.adminClient.request({ method: 'GET', path: '/api/v1/namespaces/default/pods/p:web/proxy/' });
  assert.equal(r.status, 200, r.body.toString());
  assert.equal(JSON.parse(r.body.toString()).url, '/');
});

test('a Service without endpoints answers 503 ServiceUnavailable; a missing one 404', async () => {
  const r = await cluster.adminClient.request({ method: 'GET', path: '/api/v1/namespaces/default/services/empty/proxy/' });
  assert.equal(r.status, 503);
  assert.equal(JSON.parse(r.body.toString()).message, 'no endpoints available for service "empty"');
  const missing = await cluster.adminClient.request({ method: 'GET', path: '/api/v1/namespaces/default/services/nope/proxy/' });
  assert.equal(missing.status, 404);
});

test('proxy target ids and endpoint choice', () => {
  assert.deepEqual(splitSchemeNamePort('https:web:8443'), { scheme: 'https', name: 'web', port: '8443' });
  assert.deepEqual(splitSchemeNamePort('web'), { scheme: '', name: 'web', port: '' });
  assert.equal(splitSchemeNamePort('a:b:c:d'), undefined);
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: {}, spec: { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] } };
  const eps = { apiVersion: 'v1', kind: 'Endpoints', metadata: {}, subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], notReadyAddresses: [{ ip: '10.0.0.9' }], ports: [{ name: 'a', port: 8080 }, { name: 'b', port: 8081 }] }] };
  assert.deepEqual(serviceTarget(svc, eps, 'b', () => 1), { ip: '10.0.0.2', port: 8081 });
  assert.deepEqual(serviceTarget(svc, eps, '80', () => 0), { ip: '10.0.0.1', port: 8080 });
  assert.equal(serviceTarget(svc, eps, 'zzz'), undefined);
});
