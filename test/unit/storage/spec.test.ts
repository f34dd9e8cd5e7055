import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyLayout } from '../../../src/storage/etcd/key-layout.js';
import { parseStorageSpec } from '../../../src/storage/spec.js';

test('--storage values: sqlite://PATH, memory://, etcd://HOST:PORT,…; anything else says what to write', () => {
  assert.deepEqual(parseStorageSpec('sqlite'), { kind: 'sqlite' });
  assert.deepEqual(parseStorageSpec('sqlite:///var/lib/a-kube/state.db'), { kind: 'sqlite', path: '/var/lib/a-kube/state.db' });
  assert.deepEqual(parseStorageSpec('memory://'), { kind: 'memory' });
  assert.deepEqual(parseStorageSpec('memory'), { kind: 'memory' });
  assert.deepEqual(parseStorageSpec('etcd://127.0.0.1:2379,10.0.0.2:2379, etcd-3.local:12379'), { kind: 'etcd', endpoints: ['127.0.0.1:2379', '10.0.0.2:2379', 'etcd-3.local:12379'] });
  assert.throws(() => parseStorageSpec('etcd://127.0.0.1'), /invalid etcd endpoint "127.0.0.1".*etcd:\/\/HOST:PORT/);
  assert.throws(() => parseStorageSpec('etcd://h:99999'), /invalid etcd endpoint/);
  assert.throws(() => parseStorageSpec('postgres://x'), /use sqlite:\/\/PATH, memory:\/\/ or etcd:\/\/HOST:PORT/);
});

test('etcd key layout: kube-apiserver paths, one-to-one, and prefixes that span resources are refused', () => {
  const l = new KeyLayout('/registry');
  const cases: [string, string][] = [
    ['/registry/core/pods/default/web', '/registry/pods/default/web'],
    ['/registry/core/namespaces/default', '/registry/namespaces/default'],
    ['/registry/apps/deployments/ns/d', '/registry/apps/deployments/ns/d'],
    ['/registry/rbac.authorization.k8s.io/clusterroles/admin', '/registry/rbac.authorization.k8s.io/clusterroles/admin'],
    ['/registry/nodots/things/x', '/registry/-/registry/nodots/things/x'],
    ['/r/a', '/registry/-/r/a'],
  ];
  for (const [key, etcdKey] of cases) {
    assert.equal(l.toEtcd(key), etcdKey);
    assert.equal(l.fromEtcd(etcdKey), key);
  }
  assert.equal(new KeyLayout('/cluster-a/').toEtcd('/registry/core/pods/ns/p'), '/cluster-a/pods/ns/p');
  assert.equal(l.fromEtcd('/other/pods/x'), undefined);
  assert.equal(l.prefixToEtcd('/registry/core/pods/'), '/registry/pods/');
  assert.equal(l.prefixToEtcd('/registry/core/pods/ns/'), '/registry/pods/ns/');
  for (const bad of ['/registry/', '/registry/core/', '/registry/core/po', '/registry/apps/', '/', '']) {
    assert.throws(() => l.prefixToEtcd(bad), /does not name one resource/, bad);
  }
  assert.throws(() => new KeyLayout('registry'), /must start with/);
});
