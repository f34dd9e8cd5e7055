// The controller loop's guards: wrongly typed stored objects are skipped with an event, an overrunning reconcile
// is reported and requeued, a throwing one is requeued, logged and reported by a rate-limited event, and pod
// creation counts that are not whole numbers cannot spin the event loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import type { KubeObject } from '../../../../src/api/object.js';
import { Indexer, type Informer } from '../../../../src/client/informer.js';
import { FakeClock, WorkQueue } from '../../../../src/client/workqueue.js';
import { Expectations } from '../../../../src/controllers/expectations.js';
import { reconcileReplicaSet, slowStartBatch } from '../../../../src/controllers/replicaset.js';
import { R } from '../../../../src/client/control/resources.js';
import { runController } from '../../../../src/client/control/run.js';
import { ApiError } from '../../../../src/client/api-error.js';
import { FakeApi, RecordingRecorder } from '../../controllers/fake-client.js';

const replicaSet = (name: string, replicas: unknown, rv = '5'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: rv },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});

function fakeInformer(store: Indexer): Informer {
  return { store, waitForSync: async () => true } as unknown as Informer;
}

test('slowStartBatch creates whole pods only and always ends', async () => {
  let calls = 0;
  const create = async () => void calls++;
  assert.deepEqual(await slowStartBatch(0.5, create), { created: 0 });
  assert.deepEqual(await slowStartBatch(Number.NaN, create), { created: 0 });
  assert.deepEqual(await slowStartBatch(Number.POSITIVE_INFINITY, create), { created: 0 });
  assert.deepEqual(await slowStartBatch(-3, create), { created: 0 });
  assert.equal(calls, 0);
  assert.deepEqual(await slowStartBatch(2.7, create), { created: 2 });
  assert.equal(calls, 2);
});

test('a ReplicaSet asking for 0.5 replicas is reconciled without spinning', async () => {
  const api = new FakeApi();
  const path = '/apis/apps/v1/namespaces/ns/replicasets';
  api.seed(path, replicaSet('half', 0.5));
  const clock = new FakeClock();
  await reconcileReplicaSet('ns/half', {
    client: api, replicaSets: api.indexer(path), pods: api.indexer('/api/v1/namespaces/ns/pods'), expectations: new Expectations(clock), recorder: new RecordingRecorder(), clock,
  });
  assert.equal(api.writes('create').length, 0);
});

test('a stored object its kind cannot hold is skipped with one Warning event per resourceVersion', async () => {
  const store = new Indexer();
  store.upsert(replicaSet('bad', 1.5));
  store.upsert(replicaSet('good', 1));
  const queue = new WorkQueue<string>({ clock: new FakeClock() });
  const recorder = new RecordingRecorder();
  const logs: string[] = [];
  const reconciled: string[] = [];
  const stop = new AbortController();
  const running = runController({
    name: 'replicaset', informers: [fakeInformer(store)], queue, workers: 1, signal: stop.signal, log: (l) => logs.push(l), recorder,
    primary: { informer: fakeInformer(store), resource: R.replicasets },
    reconcile: async (key) => void reconciled.push(key),
  });
  queue.add('ns/bad');
  queue.add('ns/good');
  queue.add('ns/bad');
  for (let i = 0; i < 20 && reconciled.length < 1; i++) await turn();
  queue.add('ns/bad'); // the same resourceVersion again: not reported twice
  for (let i = 0; i < 20; i++) await turn();
  assert.deepEqual(reconciled, ['ns/good']);
  assert.equal(recorder.events.length, 1, recorder.events.join('\n'));
  assert.equal(recorder.events[0], 'Warning InvalidObject bad: replicaset controller skips this object until it is fixed: ReplicaSet in version "v1" cannot be handled as a ReplicaSet: json: cannot unmarshal number 1.5 into Go struct field ReplicaSetSpec.spec.replicas of type int32');
  assert.equal(logs.length, 1);
  // fixed: reconciled again
  store.upsert(replicaSet('bad', 2, '6'));
  queue.add('ns/bad');
  for (let i = 0; i < 20 && reconciled.length < 2; i++) await turn();
  assert.deepEqual(reconciled, ['ns/good', 'ns/bad']);
  stop.abort();
  await running;
});

test('a reconcile that overruns is reported and its key requeued with backoff', async () => {
  const store = new Indexer();
  store.upsert(replicaSet('slow', 1));
  const clock = new FakeClock();
  const queue = new WorkQueue<string>({ clock });
  const recorder = new RecordingRecorder();
  const logs: string[] = [];
  let calls = 0;
  const stop = new AbortController();
  const running = runController({
    name: 'replicaset', informers: [fakeInformer(store)], queue, workers: 1, signal: stop.signal, log: (l) => logs.push(l), recorder, clock, overrunMs: 1000,
    primary: { informer: fakeInformer(store), resource: R.replicasets },
    reconcile: () => {
      calls++;
      return new Promise(() => {}); // never settles
    },
  });
  queue.add('ns/slow');
  for (let i = 0; i < 20 && calls < 1; i++) await turn();
  assert.equal(calls, 1);
  clock.advance(1000);
  for (let i = 0; i < 20 && logs.length < 1; i++) await turn();
  assert.deepEqual(logs, ['replicaset: ns/slow: reconcile still running after 1s; requeued']);
  assert.deepEqual(recorder.events, ['Warning ReconcileOverrun slow: replicaset controller: reconcile did not finish within 1s; retrying with backoff']);
  assert.equal(queue.numRequeues('ns/slow'), 1);
  // the backoff elapses: the key is worked on again
  clock.advance(60_000);
  for (let i = 0; i < 20 && calls < 2; i++) await turn();
  assert.equal(calls, 2);
  stop.abort();
  await running;
});

test('a reconcile that throws is requeued with backoff and reported by log and a rate-limited Warning event', async () => {
  const store = new Indexer();
  store.upsert(replicaSet('broken', 1));
  store.upsert(replicaSet('racing', 1));
  const clock = new FakeClock();
  const queue = new WorkQueue<string>({ clock });
  const recorder = new RecordingRecorder();
  const logs: string[] = [];
  const calls = new Map<string, number>();
  const stop = new AbortController();
  const running = runController({
    name: 'replicaset', informers: [fakeInformer(store)], queue, workers: 1, signal: stop.signal, log: (l) => logs.push(l), recorder, clock,
    primary: { informer: fakeInformer(store), resource: R.replicasets },
    reconcile: async (key) => {
      calls.set(key, (calls.get(key) ?? 0) + 1);
      if (key === 'ns/racing') throw new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 409, reason: 'Conflict', message: 'the object has been modified' });
      throw new Error('pods "broken-x" is forbidden: exceeded quota');
    },
  });
  const callsOf = (key: string) => calls.get(key) ?? 0;
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 50 && !done(); i++) await turn();
  };
  queue.add('ns/broken');
  queue.add('ns/racing');
  await until(() => callsOf('ns/broken') >= 1 && callsOf('ns/racing') >= 1);
  // Six failures in quick succession (backoff 5 ms, 10 ms, 20 ms…): each one requeued, one event.
  for (let n = 2; n <= 6; n++) {
    clock.advance(2 ** (n - 2) * 5);
    await until(() => callsOf('ns/broken') >= n);
    assert.equal(callsOf('ns/broken'), n);
  }
  const event = 'Warning ReconcileError broken: replicaset controller: pods "broken-x" is forbidden: exceeded quota; retrying with backoff';
  assert.deepEqual(recorder.events, [event]);
  assert.equal(queue.numRequeues('ns/broken'), 6);
  // Logged on the first three tries only; a conflict is retried quietly, neither logged nor reported.
  assert.deepEqual(logs, Array(3).fill('replicaset: ns/broken: pods "broken-x" is forbidden: exceeded quota'));
  // A minute later the next failure is reported again.
  clock.advance(60_000);
  await until(() => callsOf('ns/broken') >= 7);
  assert.deepEqual(recorder.events, [event, event]);
  stop.abort();
  await running;
});
