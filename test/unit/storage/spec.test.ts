import assert from 'node:assert/strict';
import { test } from 'node:test';
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
