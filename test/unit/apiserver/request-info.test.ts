import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestInfo } from '../../../src/apiserver/request-info.js';

const cases: { name: string; method: string; url: string; want: Record<string, unknown> }[] = [
  { name: 'list pods in a namespace', method: 'GET', url: '/api/v1/namespaces/ns-1/pods?limit=500', want: { isResourceRequest: true, verb: 'list', apiGroup: '', apiVersion: 'v1', namespace: 'ns-1', resource: 'pods', name: '', subresource: '' } },
  { name: 'get a named pod', method: 'GET', url: '/api/v1/namespaces/ns-1/pods/web-0', want: { verb: 'get', namespace: 'ns-1', resource: 'pods', name: 'web-0' } },
  { name: 'watch by query', method: 'GET', url: '/api/v1/pods?watch=1', want: { verb: 'watch', namespace: '', resource: 'pods' } },
  { name: 'watch=true', method: 'GET', url: '/apis/apps/v1/namespaces/x/deployments?watch=true', want: { verb: 'watch', apiGroup: 'apps', resource: 'deployments' } },
  { name: 'watch=True (the Python client) watches', method: 'GET', url: '/api/v1/pods?watch=True', want: { verb: 'watch' } },
  { name: 'a bare watch= watches', method: 'GET', url: '/api/v1/pods?watch=', want: { verb: 'watch' } },
  { name: 'watch=FALSE lists', method: 'GET', url: '/api/v1/pods?watch=FALSE', want: { verb: 'list' } },
  { name: 'watch=0 lists', method: 'GET', url: '/api/v1/pods?watch=0', want: { verb: 'list' } },
  { name: 'deprecated watch path', method: 'GET', url: '/api/v1/watch/namespaces/x/pods', want: { verb: 'watch', namespace: 'x', resource: 'pods' } },
  { name: 'fieldSelector name makes a named list', method: 'GET', url: '/apis/apps/v1/namespaces/d/deployments?fieldSelector=metadata.name%3Dd&limit=500', want: { verb: 'list', name: 'd', urlName: '' } },
  { name: 'create', method: 'POST', url: '/api/v1/namespaces/x/configmaps', want: { verb: 'create', resource: 'configmaps' } },
  { name: 'update', method: 'PUT', url: '/api/v1/namespaces/x/configmaps/c', want: { verb: 'update', name: 'c' } },
  { name: 'patch', method: 'PATCH', url: '/api/v1/nodes/n1', want: { verb: 'patch', resource: 'nodes', name: 'n1', namespace: '' } },
  { name: 'delete', method: 'DELETE', url: '/api/v1/namespaces/x/pods/p', want: { verb: 'delete' } },
  { name: 'deletecollection', method: 'DELETE', url: '/api/v1/namespaces/x/pods', want: { verb: 'deletecollection' } },
  { name: 'subresource', method: 'POST', url: '/api/v1/namespaces/ns-1/pods/web-0/exec?command=ls', want: { verb: 'create', resource: 'pods', name: 'web-0', subresource: 'exec' } },
  { name: 'scale subresource', method: 'PATCH', url: '/apis/apps/v1/namespaces/d/deployments/x/scale', want: { verb: 'patch', subresource: 'scale', apiGroup: 'apps' } },
  { name: 'a namespace is named and namespaced by itself', method: 'GET', url: '/api/v1/namespaces/foo', want: { verb: 'get', resource: 'namespaces', namespace: 'foo', name: 'foo' } },
  { name: 'namespace status', method: 'PUT', url: '/api/v1/namespaces/foo/status', want: { resource: 'namespaces', name: 'foo', subresource: 'status' } },
  { name: 'namespace finalize', method: 'PUT', url: '/api/v1/namespaces/foo/finalize', want: { resource: 'namespaces', subresource: 'finalize' } },
  { name: 'HEAD is get', method: 'HEAD', url: '/api/v1/namespaces/x/pods/p', want: { verb: 'get' } },
];

for (const c of cases) {
  test(`request info: ${c.name}`, () => {
    const info = parseRequestInfo(c.method, c.url);
    for (const [k, v] of Object.entries(c.want)) assert.deepEqual((info as unknown as Record<string, unknown>)[k], v, k);
  });
}

const nonResource: [string, string, string][] = [
  ['GET', '/api', 'get'],
  ['GET', '/api/v1', 'get'],
  ['GET', '/apis', 'get'],
  ['GET', '/apis/apps', 'get'],
  ['GET', '/apis/apps/v1', 'get'],
  ['GET', '/healthz', 'get'],
  ['POST', '/foo', 'post'],
  ['GET', '/version?timeout=5s', 'get'],
];
for (const [method, url, verb] of nonResource) {
  test(`request info: ${method} ${url} is a non-resource request`, () => {
    const info = parseRequestInfo(method, url);
    assert.equal(info.isResourceRequest, false);
    assert.equal(info.verb, verb);
    assert.equal(info.path, url.split('?')[0]);
  });
}
