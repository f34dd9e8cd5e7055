// The load generator and the watch fan-out measured against the bare baseline server, over real loopback HTTP/2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClusterPki } from '../../../src/pki/index.js';
import { startBaselineServer } from '../../../bench/lib/baseline-server.js';
import { openH2Pool, type H2Pool } from '../../../bench/lib/h2-client.js';
import { runLoad } from '../../../bench/lib/load.js';
import { openFanout } from '../../../bench/lib/watch-fanout.js';

let url = '';
let tls = { ca: '', cert: '', key: '' };
let stopServer = async () => {};
const pkiDir = mkdtempSync(join(tmpdir(), 'a-kube-bench-test-'));
const pools: H2Pool[] = [];

async function pool(sessions: number): Promise<H2Pool> {
  const p = await openH2Pool(url, tls, sessions);
  pools.push(p);
  return p;
}

before(async () => {
  const pki = await ensureClusterPki(pkiDir);
  const started = await startBaselineServer({ cert: pki.apiserver.cert, key: pki.apiserver.key, ca: pki.ca.cert });
  url = started.url;
  stopServer = started.close;
  tls = { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key };
});

after(async () => {
  for (const p of pools) p.close();
  await stopServer();
  rmSync(pkiDir, { recursive: true, force: true });
});

test('bodies are stored and answered byte for byte', async () => {
  const p = await pool(1);
  const body = Buffer.from(JSON.stringify({ kind: 'Pod', metadata: { name: 'x' } }));
  assert.equal((await p.request({ method: 'PUT', path: '/bodies/pod', body })).status, 204);
  const got = await p.request({ method: 'GET', path: '/bodies/pod' }, { keepBody: true });
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, body);
  assert.equal(got.bytes, body.byteLength);
  assert.equal((await p.request({ method: 'GET', path: '/bodies/none' })).status, 404);
});

test('a request-count load sends exactly that many requests, over every client', async () => {
  const p = await pool(4);
  await p.request({ method: 'PUT', path: '/bodies/small', body: Buffer.from('{}') });
  const seen: number[] = [];
  const r = await runLoad(p, {
    concurrency: 4,
    length: { requests: 50 },
    makeRequest: () => ({ method: 'GET', path: '/bodies/small' }),
    expectStatus: 200,
    onAnswer: (seq, began, ended) => {
      assert.ok(ended >= began);
      seen.push(seq);
    },
  });
  assert.equal(r.requests, 50);
  assert.equal(r.errors, 0);
  assert.equal(r.meanBytes, 2);
  assert.ok(r.requestsPerSecond > 0);
  assert.ok(r.p50Ms > 0 && r.p99Ms >= r.p50Ms);
  assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
});

test('unexpected answers are counted as errors with the first one described', async () => {
  const p = await pool(1);
  const r = await runLoad(p, { concurrency: 2, length: { requests: 6 }, makeRequest: (seq) => ({ method: 'GET', path: `/bodies/missing-${seq}` }), expectStatus: 200 });
  assert.equal(r.errors, 6);
  assert.equal(r.requests, 0);
  assert.match(r.firstError ?? '', /GET \/bodies\/missing-\d+: 404/);
});

test('a timed load measures only after the warm-up, and at least one request per client', async () => {
  const p = await pool(2);
  await p.request({ method: 'PUT', path: '/bodies/small', body: Buffer.from('{}') });
  const r = await runLoad(p, { concurrency: 2, length: { warmupMs: 20, durationMs: 0 }, makeRequest: () => ({ method: 'GET', path: '/bodies/small' }), expectStatus: 200 });
  assert.ok(r.requests >= 2, `${r.requests} measured requests`);
  assert.equal(r.errors, 0);
});

test('watch fan-out: every create reaches every watcher', async () => {
  const watchers = await Promise.all([pool(1), pool(1), pool(1)]);
  const fanout = await openFanout(
    {
      watcherPools: watchers,
      writerPool: await pool(2),
      watchRequest: { method: 'GET', path: '/watch' },
      createRequest: (name) => ({ method: 'POST', path: '/watch', body: Buffer.from(JSON.stringify({ metadata: { name } })) }),
    },
    /"name":"(fan-[^"]+)"/,
  );
  try {
    const r = await fanout.measure({ concurrency: 2, creates: 10, prefix: 'fan-t', deadlineMs: 5000 });
    assert.equal(r.watchers, 3);
    assert.equal(r.creates, 10);
    assert.equal(r.createErrors, 0);
    assert.equal(r.missing, 0);
    assert.equal(r.endToEnd.count, 10);
    assert.ok(r.endToEnd.p99Ms >= r.endToEnd.p50Ms);
    assert.ok(r.eventsPerSecond > 0);
  } finally {
    fanout.close();
  }
});

test('watch fan-out: a create no watcher sees is reported missing after the deadline', async () => {
  const fanout = await openFanout(
    {
      watcherPools: [await pool(1)],
      writerPool: await pool(1),
      watchRequest: { method: 'GET', path: '/watch' },
      // Named so that the pattern never matches the event.
      createRequest: (name) => ({ method: 'POST', path: '/watch', body: Buffer.from(JSON.stringify({ metadata: { name: name.replace('fan-', 'other-') } })) }),
    },
    /"name":"(fan-[^"]+)"/,
  );
  try {
    const r = await fanout.measure({ concurrency: 1, creates: 2, prefix: 'fan-m', deadlineMs: 50 });
    assert.equal(r.missing, 2);
    assert.equal(r.endToEnd.count, 0);
  } finally {
    fanout.close();
  }
});
