// Per-controller credentials: the account is made and a token requested by the manager's own client; requests wait
// for the first token, the token is renewed after 80% of its life and at once after a 401, failures back off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../../../src/client/api-error.js';
import { serviceAccountCredentials } from '../../../../src/client/control/service-account-credentials.js';
import type { ControllerClient } from '../../../../src/client/control/types.js';
import type { RestClient } from '../../../../src/client/rest.js';
import { FakeClock } from '../../../../src/client/workqueue.js';

const status = (code: number, reason: string) => new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: reason, reason, code });

function fakeRoot(clock: FakeClock) {
  const calls: string[] = [];
  let tokens = 0;
  let failNext = 0;
  const root = {
    config: { server: 'https://127.0.0.1:1' },
    async create(path: string, body: unknown) {
      calls.push(path);
      if (path.endsWith('/serviceaccounts')) {
        if (calls.filter((c) => c === path).length > 1) throw status(409, 'AlreadyExists');
        return body;
      }
      if (failNext > 0) {
        failNext--;
        throw status(500, 'InternalError');
      }
      tokens++;
      const spec = (body as { spec: { expirationSeconds: number } }).spec;
      return { status: { token: `token-${tokens}`, expirationTimestamp: new Date(clock.now() + spec.expirationSeconds * 1000).toISOString() } };
    },
  } as unknown as RestClient;
  return { root, calls, failNext: (n: number) => void (failNext = n) };
}

/** A client that records which token each call carried; answers 401 to tokens listed as revoked. */
function recordingClient(token: () => string | undefined, revoked: Set<string>, seen: (string | undefined)[]): ControllerClient {
  const answer = async () => {
    const t = token();
    seen.push(t);
    if (t === undefined || revoked.has(t)) throw status(401, 'Unauthorized');
    return {} as never;
  };
  return { get: answer, list: answer, create: answer, update: answer, patch: answer, delete: answer } as unknown as ControllerClient;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

test('the first call waits for the account and its token; the token is renewed after 80% of its life', async () => {
  const clock = new FakeClock();
  const { root, calls } = fakeRoot(clock);
  const seen: (string | undefined)[] = [];
  const stop = new AbortController();
  const creds = serviceAccountCredentials({ root, namespace: 'kube-system', clock, signal: stop.signal, log: () => {}, makeClient: (_a, t) => recordingClient(t, new Set(), seen) });
  const c = creds.clientFor('replicaset-controller');
  assert.equal(creds.clientFor('replicaset-controller'), c, 'one client per account');
  await c.get('/api/v1/pods');
  assert.deepEqual(calls, ['/api/v1/namespaces/kube-system/serviceaccounts', '/api/v1/namespaces/kube-system/serviceaccounts/replicaset-controller/token']);
  assert.deepEqual(seen, ['token-1']);
  clock.advance(2879_000); // just under 80% of an hour
  await settle();
  await c.get('/api/v1/pods');
  assert.equal(seen.at(-1), 'token-1');
  clock.advance(2_000);
  await settle();
  await c.get('/api/v1/pods');
  assert.equal(seen.at(-1), 'token-2');
  stop.abort();
  assert.equal(clock.pendingTimers, 0);
});

test('a 401 renews the token at once and the call is tried again', async () => {
  const clock = new FakeClock();
  const { root } = fakeRoot(clock);
  const seen: (string | undefined)[] = [];
  const revoked = new Set(['token-1']);
  const stop = new AbortController();
  const creds = serviceAccountCredentials({ root, namespace: 'kube-system', clock, signal: stop.signal, log: () => {}, makeClient: (_a, t) => recordingClient(t, revoked, seen) });
  await creds.clientFor('job-controller').create('/api/v1/namespaces/default/pods', {});
  assert.deepEqual(seen, ['token-1', 'token-2']);
  stop.abort();
});

test('a failed token request is retried with back-off; the call waits meanwhile', async () => {
  const clock = new FakeClock();
  const { root, failNext } = fakeRoot(clock);
  failNext(2);
  const seen: (string | undefined)[] = [];
  const logs: string[] = [];
  const stop = new AbortController();
  const creds = serviceAccountCredentials({ root, namespace: 'kube-system', clock, signal: stop.signal, log: (l) => logs.push(l), makeClient: (_a, t) => recordingClient(t, new Set(), seen) });
  let done = false;
  const call = creds.clientFor('cronjob-controller').list('/apis/batch/v1/jobs').then(() => (done = true));
  await settle();
  assert.equal(done, false);
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /token for kube-system\/cronjob-controller: InternalError \(retry in 1000 ms\)/);
  clock.advance(1000);
  await settle();
  clock.advance(2000);
  await settle();
  await call;
  assert.deepEqual(seen, ['token-1']);
  stop.abort();
});
