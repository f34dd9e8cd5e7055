// Leader election through a Lease, against an in-memory fake of the three calls it makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { ApiError } from '../../../src/client/api-error.js';
import { defaultLeaderElection, leaderElectionProblem, LeaseLock, runLeaderElection, type LeaderElectionOptions } from '../../../src/client/leader-election.js';
import { FakeClock } from '../../../src/client/workqueue.js';

const status = (code: number, reason: string) => new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason, code });

function fakeLeaseServer() {
  let lease: KubeObject | undefined;
  let rv = 0;
  let down = false;
  const client: LeaderElectionOptions['client'] = {
    async get<T>() {
      if (down) throw new Error('connection refused');
      if (!lease) throw status(404, 'NotFound');
      return structuredClone(lease) as T;
    },
    async create<T>(_path: string, body: unknown) {
      if (down) throw new Error('connection refused');
      if (lease) throw status(409, 'AlreadyExists');
      lease = { ...(body as KubeObject) };
      lease.metadata = { ...lease.metadata, resourceVersion: String(++rv) };
      return structuredClone(lease) as T;
    },
    async update<T>(_path: string, body: unknown) {
      if (down) throw new Error('connection refused');
      const b = body as KubeObject;
      if (!lease || b.metadata.resourceVersion !== lease.metadata.resourceVersion) throw status(409, 'Conflict');
      lease = { ...b, metadata: { ...b.metadata, resourceVersion: String(++rv) } };
      return structuredClone(lease) as T;
    },
  };
  return { client, spec: () => (lease?.['spec'] ?? {}) as Record<string, unknown>, setDown: (d: boolean) => (down = d) };
}

const candidate = (server: ReturnType<typeof fakeLeaseServer>, identity: string, clock: FakeClock) =>
  new LeaseLock({ client: server.client, namespace: 'kube-system', name: 'kube-controller-manager', identity, leaseDurationSeconds: 15, clock, signal: new AbortController().signal, onStartedLeading() {} });

test('the first candidate creates the Lease; a second cannot take it until it expires unrenewed', async () => {
  const clock = new FakeClock();
  const server = fakeLeaseServer();
  const a = candidate(server, 'a', clock);
  const b = candidate(server, 'b', clock);
  assert.equal(await a.tryAcquireOrRenew(), true);
  assert.equal(server.spec()['holderIdentity'], 'a');
  assert.equal(server.spec()['leaseDurationSeconds'], 15);
  assert.match(String(server.spec()['renewTime']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(await b.tryAcquireOrRenew(), false);
  clock.advance(10_000);
  assert.equal(await a.tryAcquireOrRenew(), true, 'renewed');
  clock.advance(10_000);
  assert.equal(await b.tryAcquireOrRenew(), false, 'b saw the renewal 10s ago');
  clock.advance(15_000);
  assert.equal(await b.tryAcquireOrRenew(), true, 'a stopped renewing for a whole lease duration');
  assert.equal(server.spec()['holderIdentity'], 'b');
  assert.equal(server.spec()['leaseTransitions'], 1);
  assert.equal(await a.tryAcquireOrRenew(), false, 'a lost it');
});

test('runLeaderElection leads, and stops leading when renewals fail past the renew deadline', async () => {
  const clock = new FakeClock();
  const server = fakeLeaseServer();
  const ac = new AbortController();
  const events: string[] = [];
  let leaderSignal: AbortSignal | undefined;
  const done = runLeaderElection({
    client: server.client,
    namespace: 'kube-system',
    name: 'kube-scheduler',
    identity: 'me',
    leaseDurationSeconds: 15,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    clock,
    signal: ac.signal,
    onStartedLeading(s) {
      leaderSignal = s;
      events.push('started');
    },
    onStoppedLeading: () => events.push('stopped'),
  });
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  };
  await settle();
  assert.deepEqual(events, ['started']);
  server.setDown(true);
  for (let t = 0; t < 5; t++) {
    clock.advance(2_000);
    await settle();
  }
  assert.deepEqual(events, ['started', 'stopped']);
  assert.equal(leaderSignal?.aborted, true);
  ac.abort();
  await done;
});

test('leader-election timings are checked as kube-controller-manager checks them', () => {
  assert.equal(leaderElectionProblem(defaultLeaderElection), undefined);
  assert.equal(leaderElectionProblem({ leaseDurationSeconds: 10, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }), '--leader-elect-lease-duration must be longer than --leader-elect-renew-deadline');
  assert.equal(leaderElectionProblem({ leaseDurationSeconds: 15, renewDeadlineMs: 2_400, retryPeriodMs: 2_000 }), '--leader-elect-renew-deadline must be longer than 1.2 × --leader-elect-retry-period');
});
