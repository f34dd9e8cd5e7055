import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodePath } from '../../../../src/kubelet/server/paths.js';
import { nodeAttributes } from '../../../../src/kubelet/server/auth.js';

test('parseNodePath reads the kubelet paths', () => {
  assert.deepEqual(parseNodePath('/containerLogs/ns-1/p/c'), { kind: 'containerLogs', pod: { namespace: 'ns-1', name: 'p' }, container: 'c' });
  assert.deepEqual(parseNodePath('/exec/ns/p/c'), { kind: 'exec', pod: { namespace: 'ns', name: 'p' }, container: 'c' });
  assert.deepEqual(parseNodePath('/attach/ns/p/uid-1/c'), { kind: 'attach', pod: { namespace: 'ns', name: 'p', uid: 'uid-1' }, container: 'c' });
  assert.deepEqual(parseNodePath('/portForward/ns/p'), { kind: 'portForward', pod: { namespace: 'ns', name: 'p' } });
  assert.deepEqual(parseNodePath('/portForward/ns/p/u'), { kind: 'portForward', pod: { namespace: 'ns', name: 'p', uid: 'u' } });
  assert.deepEqual(parseNodePath('/logs/'), { kind: 'logs', file: '' });
  assert.deepEqual(parseNodePath('/healthz'), { kind: 'healthz' });
  for (const bad of ['/', '/exec/ns/p', '/exec/ns//c', '/containerLogs/ns/p', '/exec/ns/p/c/d/e', '/exec/%E0%A4%A/p/c', '/other/a/b/c']) {
    assert.equal(parseNodePath(bad), undefined, bad);
  }
});

test('nodeAttributes maps paths and methods as the kubelet does', () => {
  assert.deepEqual(nodeAttributes('POST', '/exec/ns/p/c'), { verb: 'create', subresource: 'proxy' });
  assert.deepEqual(nodeAttributes('GET', '/containerLogs/ns/p/c'), { verb: 'get', subresource: 'proxy' });
  assert.deepEqual(nodeAttributes('GET', '/logs/syslog'), { verb: 'get', subresource: 'log' });
  assert.deepEqual(nodeAttributes('GET', '/stats/summary'), { verb: 'get', subresource: 'stats' });
  assert.deepEqual(nodeAttributes('GET', '/metrics/cadvisor'), { verb: 'get', subresource: 'metrics' });
  assert.deepEqual(nodeAttributes('GET', '/logsx'), { verb: 'get', subresource: 'proxy' });
});
