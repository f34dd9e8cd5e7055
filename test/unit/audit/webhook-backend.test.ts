// The audit webhook backend against a real HTTPS receiver in this process (CA made here, reached through a
// kubeconfig file as --audit-webhook-config-file names one): batches of audit.k8s.io/v1 EventList, the batch
// size and wait limits, and what a failing or hung receiver does to the queue.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate } from '../../../src/pki/certs.js';
import { loadKubeconfig, resolveConfig } from '../../../src/client/kubeconfig.js';
import { createRestClient } from '../../../src/client/rest.js';
import { WebhookBackend, type AuditEvent, type WebhookBackendOptions } from '../../../src/audit/index.js';
import { setUpAudit } from '../../../src/cluster/audit.js';
import { ready } from '../../fixtures/audit-event.js';

interface Post {
  path: string;
  contentType: string | undefined;
  body: { kind: string; apiVersion: string; items: AuditEvent[] };
}

/** How the receiver answers a POST: a status code, or undefined to never answer. */
let answer: (n: number) => number | undefined = () => 200;
let posts: Post[] = [];
let waiters: { count: number; resolve: () => void }[] = [];
let server: Server;
const sockets = new Set<Socket>();
let dir: string;
let kubeconfig: string;

before(async () => {
  const ca = await createCertificateAuthority('audit-webhook-test-ca', 1);
  const serving = await issueCertificate(ca, { commonName: 'audit-sink', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usage: 'server', validDays: 1 });
  server = createServer({ key: serving.key, cert: serving.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const code = answer(posts.length);
      for (const w of waiters.filter((x) => posts.length >= x.count)) w.resolve();
      waiters = waiters.filter((x) => posts.length < x.count);
      if (code === undefined) return;
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  dir = mkdtempSync(join(tmpdir(), 'audit-webhook-'));
  kubeconfig = join(dir, 'webhook.kubeconfig');
  const port = (server.address() as AddressInfo).port;
  writeFileSync(kubeconfig, [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: sink',
    '  cluster:',
    `    server: https://127.0.0.1:${port}/audit/events`,
    `    certificate-authority-data: ${Buffer.from(ca.cert).toString('base64')}`,
    'users:',
    '- name: apiserver',
    '  user: {}',
    'contexts:',
    '- name: sink',
    '  context: {cluster: sink, user: apiserver}',
    'current-context: sink',
    '',
  ].join('\n'));
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  answer = () => 200;
  posts = [];
  waiters = [];
});

function received(count: number): Promise<void> {
  if (posts.length >= count) return Promise.resolve();
  return new Promise((resolve) => waiters.push({ count, resolve }));
}

function event(n: number): AuditEvent {
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
    stage: 'ResponseComplete',
    requestURI: `/api/v1/namespaces/default/pods/p${n}`,
    verb: 'get',
    user: { username: 'alice', groups: ['system:authenticated'] },
    requestReceivedTimestamp: '2026-01-01T00:00:00.000000Z',
    stageTimestamp: '2026-01-01T00:00:00.000000Z',
  };
}

const ids = (p: Post | undefined) => (p?.body.items ?? []).map((e) => e.auditID);
const idsOf = (...ns: number[]) => ns.map((n) => event(n).auditID);

async function backend(o: Partial<WebhookBackendOptions>, log: string[]): Promise<WebhookBackend> {
  const client = createRestClient({ ...resolveConfig(await loadKubeconfig({ explicitPath: kubeconfig })).client, userAgent: 'a-kube/audit' });
  return new WebhookBackend({ client, log: (l) => log.push(l), ...o });
}

test('--audit-webhook-config-file: full batches go out at once as EventList posts to the server the kubeconfig names, the rest after flush', async () => {
  const said: string[] = [];
  // the longest wait is an hour, so only a full batch or a flush sends anything during the test
  const { auditor } = await setUpAudit(dir, { logPath: '', webhookConfigFile: kubeconfig, webhookBatchMaxSize: 3, webhookBatchMaxWaitMs: 3_600_000 }, (l) => said.push(l));
  try {
    for (let n = 1; n <= 7; n++) auditor.emit(ready(event(n)));
    await received(2);
    assert.equal(posts.length, 2);
    assert.equal(posts[0]?.path, '/audit/events');
    assert.equal(posts[0]?.contentType, 'application/json');
    assert.equal(posts[0]?.body.kind, 'EventList');
    assert.equal(posts[0]?.body.apiVersion, 'audit.k8s.io/v1');
    assert.deepEqual(ids(posts[0]), idsOf(1, 2, 3));
    assert.deepEqual(ids(posts[1]), idsOf(4, 5, 6));
    assert.deepEqual(posts[0]?.body.items[0], event(1));
    await auditor.flush();
    assert.equal(posts.length, 3);
    assert.deepEqual(ids(posts[2]), idsOf(7));
    assert.deepEqual(said, []);
  } finally {
    await auditor.close();
  }
});

test('--audit-webhook-batch-max-wait: a partial batch goes out by itself once the wait is over', async () => {
  const { auditor } = await setUpAudit(dir, { logPath: '', webhookConfigFile: kubeconfig, webhookBatchMaxSize: 100, webhookBatchMaxWaitMs: 20 }, () => {});
  try {
    auditor.emit(ready(event(1)));
    auditor.emit(ready(event(2)));
    await received(1);
    assert.deepEqual(ids(posts[0]), idsOf(1, 2));
  } finally {
    await auditor.close();
  }
});

test('--audit-webhook-initial-backoff: the pause after a failed batch, and the batch is sent again after it', async () => {
  answer = (n) => (n === 1 ? 503 : 200);
  const said: string[] = [];
  // a one-hour batch wait: only the backoff can bring the retry about (the first batch is full at once)
  const slow = await setUpAudit(dir, { logPath: '', webhookConfigFile: kubeconfig, webhookBatchMaxSize: 1, webhookBatchMaxWaitMs: 3_600_000, webhookInitialBackoffMs: 7_000 }, (l) => said.push(l));
  try {
    slow.auditor.emit(ready(event(1)));
    await received(1);
    await slow.auditor.flush();
    assert.deepEqual(said, ['audit: sending 1 audit events failed: the webhook answered 503; retrying in 7 s']);
  } finally {
    await slow.auditor.close();
  }
  answer = (n) => (n === 1 ? 503 : 200);
  posts = [];
  const quick = await setUpAudit(dir, { logPath: '', webhookConfigFile: kubeconfig, webhookBatchMaxSize: 1, webhookBatchMaxWaitMs: 1, webhookInitialBackoffMs: 20 }, () => {});
  try {
    quick.auditor.emit(ready(event(1)));
    await received(2);
    assert.deepEqual(posts.map(ids), [idsOf(1), idsOf(1)]);
  } finally {
    await quick.auditor.close();
  }
});

test('after a failure the batch is sent again when the pause is over, not after the (longer) batch wait', async () => {
  answer = (n) => (n === 1 ? 503 : 200);
  const log: string[] = [];
  const b = await backend({ maxBatchSize: 1, maxBatchWaitMs: 3_600_000, initialBackoffMs: 50 }, log);
  try {
    b.process([event(1)].map(ready));
    const late = new Promise<string>((r) => setTimeout(() => r('no second POST within 10 s'), 10_000).unref());
    assert.equal(await Promise.race([received(2).then(() => 'sent again'), late]), 'sent again');
    assert.deepEqual(posts.map(ids), [idsOf(1), idsOf(1)]);
  } finally {
    await b.close();
  }
});

test('a failing receiver: the batch stays queued and is sent again, unchanged, once the receiver accepts it', async () => {
  const log: string[] = [];
  answer = (n) => (n <= 2 ? 503 : 200);
  const b = await backend({ maxBatchSize: 2, maxBatchWaitMs: 5, initialBackoffMs: 5 }, log);
  try {
    b.process([event(1), event(2)].map(ready));
    await received(3);
    await b.flush();
    assert.deepEqual(posts.map(ids), [idsOf(1, 2), idsOf(1, 2), idsOf(1, 2)]);
    assert.deepEqual(log, [
      'sending 2 audit events failed: the webhook answered 503; retrying in 0 s',
      'sending 2 audit events failed: the webhook answered 503; retrying in 0 s',
      'the audit webhook accepts events again',
    ]);
  } finally {
    await b.close();
  }
});

test('after a failed POST the next attempt waits out the pause, even with a full batch queued', async () => {
  const log: string[] = [];
  answer = () => 500;
  const b = await backend({ maxBatchSize: 1, maxBatchWaitMs: 1, initialBackoffMs: 3_600_000 }, log);
  b.process([event(1)].map(ready));
  // flush waits for the POST under way and stops at its failure
  await b.flush();
  assert.equal(posts.length, 1);
  b.process([event(2)].map(ready));
  b.process([event(3)].map(ready));
  // nothing was sent for them; flush makes exactly one attempt, with the oldest batch, and stops at its failure
  await b.flush();
  assert.deepEqual(posts.map(ids), [idsOf(1), idsOf(1)]);
  assert.deepEqual(log, ['sending 1 audit events failed: the webhook answered 500; retrying in 3600 s', 'sending 1 audit events failed: the webhook answered 500; retrying in 3600 s']);
  answer = () => 200;
  await b.close();
  assert.deepEqual(posts.slice(2).map(ids), [idsOf(1), idsOf(2), idsOf(3)]);
});

test('a failing receiver never blocks process(): the buffer is bounded, the excess is dropped, counted and reported once', async () => {
  const log: string[] = [];
  let failing = true;
  answer = () => (failing ? 500 : 200);
  const b = await backend({ maxBatchSize: 2, maxBatchWaitMs: 5, initialBackoffMs: 5, bufferSize: 4 }, log);
  try {
    b.process([event(1), event(2)].map(ready));
    await received(1);
    // the first POST has failed or is failing; everything below returns at once and only 4 events are kept
    for (let n = 3; n <= 10; n++) assert.equal(b.process([event(n)].map(ready)), undefined);
    assert.equal(log.filter((l) => l.startsWith('the audit webhook buffer is full (4 events, or 64 MiB of request and response bodies)')).length, 1);
    failing = false;
    const before = posts.length;
    await received(before + 2);
    await b.flush();
    assert.deepEqual(posts.slice(before).map(ids), [idsOf(1, 2), idsOf(3, 4)]);
    assert.ok(log.includes('the audit webhook accepts events again (6 were dropped)'), log.join('\n'));
  } finally {
    await b.close();
  }
});

test('the buffer is bounded in the bodies its events keep too; what was sent frees its share', async () => {
  const log: string[] = [];
  let failing = true;
  answer = () => (failing ? 500 : 200);
  const b = await backend({ maxBatchSize: 10, maxBatchWaitMs: 5, initialBackoffMs: 5, bufferBytes: 1000 }, log);
  const heavy = (n: number) => ({ ...ready(event(n)), heldBytes: 400 });
  try {
    b.process([heavy(1)]);
    await received(1);
    b.process([heavy(2), heavy(3)]); // 1,200 bytes with the first: the third is dropped
    assert.equal(log.filter((l) => l.startsWith('the audit webhook buffer is full (10000 events, or 1000 bytes of request and response bodies)')).length, 1, log.join('\n'));
    failing = false;
    await received(posts.length + 1);
    await b.flush();
    assert.ok(log.includes('the audit webhook accepts events again (1 were dropped)'), log.join('\n'));
    // sent: their bytes are free again
    b.process([heavy(4), heavy(5)]);
    await b.flush();
    assert.deepEqual(posts.at(-1) && ids(posts.at(-1)!), idsOf(4, 5));
  } finally {
    await b.close();
  }
});

test('a receiver that never answers: the POST times out as a failure and close() still returns', async () => {
  const log: string[] = [];
  answer = () => undefined;
  const b = await backend({ maxBatchSize: 1, maxBatchWaitMs: 3_600_000, initialBackoffMs: 3_600_000, requestTimeoutMs: 1500 }, log);
  b.process([event(1)].map(ready));
  await b.flush();
  assert.equal(posts.length, 1);
  assert.equal(log.length, 1);
  assert.match(log[0] ?? '', /^sending 1 audit events failed: .*; retrying in 3600 s$/);
  // close() makes one last attempt, which times out too, and returns
  await b.close();
  assert.equal(posts.length, 2);
  assert.equal(log.length, 2);
});
