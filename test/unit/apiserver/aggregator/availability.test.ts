// The discovery check of a remote APIService makes several attempts at once, as kube-aggregator does: one answer
// makes it available; only when every attempt fails is it FailedDiscoveryCheck, with the last failure's message.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, Agent, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { checkAvailability, discoveryAttempts } from '../../../../src/apiserver/aggregator/availability.js';
import type { APIService } from '../../../../src/api/apiregistration/types.js';
import type { KubeObject } from '../../../../src/api/object.js';
import { makeCerts } from './test-backend.js';

let server: Server;
let port = 0;
let agent: Agent;
/** How the next requests are answered: a status per request in order, then `rest`. */
let plan: { statuses: number[]; rest: number } = { statuses: [], rest: 200 };
let requests = 0;

before(async () => {
  const certs = await makeCerts('api', 'ns');
  server = createServer({ cert: certs.serving.cert, key: certs.serving.key }, (_req, res) => {
    const status = plan.statuses[requests++] ?? plan.rest;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status === 200 ? { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'x.example.com/v1', resources: [] } : { kind: 'Status', code: status }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  agent = new Agent({ ca: certs.ca.cert, keepAlive: false });
});

after(async () => {
  agent.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

const apiService: APIService = { apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1.x.example.com' }, spec: { group: 'x.example.com', version: 'v1', service: { namespace: 'ns', name: 'api', port: 443 } } };
const lookup = {
  service: async (): Promise<KubeObject> => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'ns' }, spec: { ports: [{ port: 443 }] } }),
  endpoints: async (): Promise<KubeObject> => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'api', namespace: 'ns' }, subsets: [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ port }] }] }),
};

test('one answering attempt out of five is enough', async () => {
  plan = { statuses: [503, 503, 503, 503], rest: 200 };
  requests = 0;
  const r = await checkAvailability(apiService, lookup, agent, 5000);
  assert.equal(r.status, 'True');
  assert.equal(r.reason, 'Passed');
  assert.deepEqual((r.discovery as { groupVersion?: string }).groupVersion, 'x.example.com/v1');
});

test('every attempt failing: FailedDiscoveryCheck after five requests, with upstream\'s message', async () => {
  plan = { statuses: [], rest: 503 };
  requests = 0;
  const r = await checkAvailability(apiService, lookup, agent, 5000);
  assert.equal(discoveryAttempts, 5);
  assert.equal(requests, 5);
  const url = `https://127.0.0.1:${port}/apis/x.example.com/v1`;
  assert.deepEqual({ status: r.status, reason: r.reason, message: r.message }, { status: 'False', reason: 'FailedDiscoveryCheck', message: `failing or missing response from ${url}: bad status from ${url}: 503` });
});
