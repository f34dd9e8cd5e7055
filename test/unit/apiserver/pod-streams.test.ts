import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { resolveContainer } from '../../../src/apiserver/node-proxy/pod-streams.js';
import { kubeletEndpoint } from '../../../src/apiserver/node-proxy/kubelet-connection.js';
import { StatusError } from '../../../src/api/status.js';

const pod = (containers: string[], init: string[] = []): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p' },
  spec: { containers: containers.map((name) => ({ name })), initContainers: init.map((name) => ({ name })) },
});

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof StatusError);
    assert.equal(e.code, 400);
    return e.message;
  }
  return assert.fail('no error');
}

test('resolveContainer: the named one, the only one, or kube-apiserver\'s texts', () => {
  assert.equal(resolveContainer(pod(['a']), ''), 'a');
  assert.equal(resolveContainer(pod(['a', 'b']), 'b'), 'b');
  assert.equal(resolveContainer(pod(['a'], ['setup']), 'setup'), 'setup');
  assert.equal(message(() => resolveContainer(pod(['a']), 'x')), 'container x is not valid for pod p');
  assert.equal(message(() => resolveContainer(pod(['a', 'b'], ['i']), '')), 'a container name must be specified for pod p, choose one of: [i a b]');
  assert.equal(message(() => resolveContainer(pod([]), '')), 'a container name must be specified for pod p');
});

test('kubeletEndpoint: local agents first, then addresses by preferred type and the advertised port', () => {
  const node = (status: unknown): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status } as KubeObject);
  const addresses = [{ type: 'Hostname', address: 'n' }, { type: 'InternalIP', address: '10.0.0.5' }];
  const cfg = { ca: '', cert: '', key: '' };
  assert.deepEqual(kubeletEndpoint(node({ addresses, daemonEndpoints: { kubeletEndpoint: { Port: 10255 } } }), cfg), { host: '10.0.0.5', port: 10255 });
  assert.deepEqual(kubeletEndpoint(node({ addresses }), cfg), { host: '10.0.0.5', port: 10250 });
  assert.deepEqual(kubeletEndpoint(node({ addresses }), { ...cfg, preferredAddressTypes: ['Hostname'] }), { host: 'n', port: 10250 });
  assert.deepEqual(kubeletEndpoint(node({ addresses }), { ...cfg, localNodes: new Map([['n', { host: '127.0.0.1', port: 4000 }]]) }), { host: '127.0.0.1', port: 4000 });
  assert.equal(kubeletEndpoint(node({}), cfg), undefined);
  assert.equal(kubeletEndpoint(node({ addresses, daemonEndpoints: { kubeletEndpoint: { Port: 0 } } }), cfg), undefined, 'port 0: nothing serves');
  assert.equal(kubeletEndpoint(node({ addresses: 'junk', daemonEndpoints: { kubeletEndpoint: { Port: -1 } } }), cfg), undefined);
  assert.deepEqual(kubeletEndpoint(node({ addresses, daemonEndpoints: { kubeletEndpoint: { Port: 99999 } } }), cfg), { host: '10.0.0.5', port: 10250 });
});
