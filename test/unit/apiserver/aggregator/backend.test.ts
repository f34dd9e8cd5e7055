// The pure parts of aggregation: header names and values, service resolution reasons, reading a backend's discovery.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHeaderKey, identityHeaders, isDroppedRequestHeader, resolveBackend } from '../../../../src/apiserver/aggregator/backend.js';
import { resourcesFromDiscovery } from '../../../../src/apiserver/aggregator/discovery.js';
import type { APIService } from '../../../../src/api/apiregistration/types.js';
import type { KubeObject } from '../../../../src/api/object.js';

const apiService = (service?: Record<string, unknown>): APIService => ({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1.x.example.com' }, spec: { group: 'x.example.com', version: 'v1', ...(service ? { service } : {}) } });
const lookup = (svc?: KubeObject, eps?: KubeObject) => ({ service: async () => svc, endpoints: async () => eps });
const svc = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'ns' }, spec });

test('extra keys are percent-encoded outside HTTP token characters', () => {
  assert.equal(escapeHeaderKey('example.com/scopes'), 'example.com%2Fscopes');
  assert.equal(escapeHeaderKey('a b%é'), 'a%20b%25%C3%A9');
  assert.equal(escapeHeaderKey("ok!#$&'*+-.^_`|~"), "ok!#$&'*+-.^_`|~");
});

test('identity headers: user, one group per value, extra from own keys only', () => {
  const extra = JSON.parse('{"__proto__":["p"],"k":["1","2"],"empty":[]}') as Record<string, string[]>;
  assert.deepEqual(identityHeaders({ name: 'u', groups: ['a', 'b'], extra }), { 'X-Remote-User': 'u', 'X-Remote-Group': ['a', 'b'], 'X-Remote-Extra-__proto__': ['p'], 'X-Remote-Extra-k': ['1', '2'] });
  for (const h of ['authorization', 'impersonate-user', 'x-remote-user', 'x-remote-extra-a', 'connection', 'host']) assert.ok(isDroppedRequestHeader(h), h);
  assert.ok(!isDroppedRequestHeader('accept'));
});

test('service resolution reasons and messages', async () => {
  const ref = { namespace: 'ns', name: 'api', port: 8443 };
  assert.deepEqual(await resolveBackend(apiService(ref), lookup()), { kind: 'fail', reason: 'ServiceNotFound', message: 'service/api in "ns" is not present' });
  assert.deepEqual(await resolveBackend(apiService(ref), lookup(svc({ ports: [{ port: 443 }] }))), { kind: 'fail', reason: 'ServicePortError', message: 'service/api in "ns" is not listening on port 8443' });
  assert.deepEqual(await resolveBackend(apiService(ref), lookup(svc({ ports: [{ name: 'https', port: 8443 }] }))), { kind: 'fail', reason: 'EndpointsNotFound', message: 'cannot find endpoints for service/api in "ns"' });
  const eps = (name: string, addresses: unknown[]): KubeObject => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'api' }, subsets: [{ addresses, ports: [{ name, port: 6443 }] }] });
  assert.deepEqual(await resolveBackend(apiService(ref), lookup(svc({ ports: [{ name: 'https', port: 8443 }] }), eps('https', []))), { kind: 'fail', reason: 'MissingEndpoints', message: 'endpoints for service/api in "ns" have no addresses with port name "https"' });
  assert.deepEqual(await resolveBackend(apiService(ref), lookup(svc({ ports: [{ name: 'https', port: 8443 }] }), eps('https', [{ ip: '10.244.0.7' }]))), { kind: 'ok', host: '10.244.0.7', port: 6443, serverName: 'api.ns.svc' });
  assert.deepEqual(await resolveBackend(apiService(ref), lookup(svc({ type: 'ExternalName', externalName: 'backend.example.com.' }))), { kind: 'ok', host: 'backend.example.com', port: 8443, serverName: 'api.ns.svc' });
  assert.equal((await resolveBackend(apiService(), lookup())).kind, 'fail');
});

test('discovery from a backend: checked fields, subresources attached, hostile entries dropped', () => {
  const doc = {
    resources: [
      { name: 'things', singularName: 'thing', namespaced: true, kind: 'Thing', verbs: ['get', 'list', 'escalate', 'watch'], shortNames: ['th', 'BAD NAME'], categories: ['all'] },
      { name: 'things/status', kind: 'Thing', verbs: ['get'] },
      { name: 'things/a/b', kind: 'Thing', verbs: ['get'] },
      { name: '__proto__', kind: 'Proto', verbs: ['get'] },
      { name: 'noKind', verbs: ['get'] },
      'junk',
    ],
  };
  const got = resourcesFromDiscovery(doc, 'x.example.com', 'v1', 'v1.x.example.com');
  assert.equal(got?.length, 1);
  assert.deepEqual(got?.[0], {
    group: 'x.example.com', version: 'v1', resource: 'things', singularName: 'thing', kind: 'Thing', listKind: 'ThingList', namespaced: true,
    verbs: ['get', 'list', 'watch'], shortNames: ['th'], categories: ['all'], definition: '', aggregated: 'v1.x.example.com',
    subresources: [{ name: 'status', kind: 'Thing', verbs: ['get'] }],
  });
  assert.equal(resourcesFromDiscovery({ kind: 'Status' }, 'g', 'v', 'n'), undefined);
  assert.equal(resourcesFromDiscovery({ resources: Array.from({ length: 5000 }, (_, i) => ({ name: `r${i}`, kind: 'R', verbs: [] })) }, 'g', 'v', 'n')?.length, 1000);
});
