// The storage conformance suite and etcd-specific behaviour against a real etcd started for this file
// (test/support/etcd.ts). Each store gets a key prefix of its own on the one etcd.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createApiServer } from '../../../src/apiserver/api-server.js';
import { createCertificateAuthority, issueCertificate } from '../../../src/pki/certs.js';
import { openEtcdStorage, type EtcdStorage } from '../../../src/storage/etcd/store.js';
import { openStorageSpec } from '../../../src/storage/spec.js';
import { describeEarlierLayoutReport, moveEarlierLayout } from '../../../src/storage/etcd/earlier-layout.js';
import { eventsV1ToCoreEvent } from '../../../src/api/event-conversion.js';
import type { KubeObject } from '../../../src/api/object.js';
import { etcdMissing, startEtcd, type RunningEtcd } from '../../support/etcd.js';
import { storageConformance } from './conformance.suite.js';

const missing = etcdMissing();
let etcd: RunningEtcd | undefined;
let stores = 0;
const open = (o: { prefix?: string } = {}): EtcdStorage => {
  if (!etcd) throw new Error('etcd did not start');
  return openEtcdStorage({ endpoints: etcd.endpoints, prefix: o.prefix ?? `/t${++stores}`, log: () => undefined });
};

const eventsV1Event: KubeObject = {
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name: 'e1', namespace: 'default', uid: 'u-e1', creationTimestamp: '2026-01-01T00:00:00Z' },
  eventTime: '2026-01-01T00:00:00.000000Z',
  regarding: { kind: 'Pod', name: 'p', namespace: 'default' },
  note: 'pulled',
  reason: 'Pulled',
  type: 'Normal',
  action: 'Pull',
  reportingController: 'kubelet',
  reportingInstance: 'node-1',
};

if (missing && process.env['CI'] === 'true') {
  // CI installs etcd (scripts/install-deps.sh --for-tests): a missing one there is a broken set-up, not a skip.
  test('etcd storage', () => assert.fail(`CI without etcd: ${missing}`));
} else if (missing) {
  test('etcd storage', { skip: `skipped: ${missing}` }, () => undefined);
} else {
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
  });
  storageConformance('etcd', () => open());
}

describe('etcd storage', { skip: missing ? `skipped: ${missing}` : false, timeout: 90_000 }, () => {
  test('keys sit in etcd below the configured prefix where kube-apiserver keeps them', async () => {
    const s = open({ prefix: '/kube' });
    try {
      await s.create('/registry/core/pods/default/web', '{"kind":"Pod"}');
      await s.create('/registry/apps/deployments/default/web', '{"kind":"Deployment"}');
      await s.create('/registry/example.com/widgets/ns/w', '{}');
      await s.create('/registry/core/namespaces/default', '{}');
      const keys = execFileSync('etcdctl', ['--endpoints', (etcd as RunningEtcd).endpoints.join(','), 'get', '--prefix', '--keys-only', '/kube/'], {
        encoding: 'utf8',
        env: { ...process.env, ETCDCTL_API: '3' },
      })
        .split('\n')
        .filter(Boolean);
      assert.deepEqual(keys, ['/kube/deployments/default/web', '/kube/example.com/widgets/ns/w', '/kube/namespaces/default', '/kube/pods/default/web']);
      assert.deepEqual((await s.range('/registry/core/pods/')).kvs.map((kv) => kv.key), ['/registry/core/pods/default/web']);
      assert.deepEqual((await s.range('/registry/apps/deployments/default/')).kvs.map((kv) => kv.key), ['/registry/apps/deployments/default/web']);
      await assert.rejects(s.range('/registry/'), /does not name one resource/);
    } finally {
      await s.close();
    }
  });

  test('objects under the earlier key layout move to kube-apiserver\'s when the store opens, in their old order, once', async () => {
    const raw = open({ prefix: '/mig' });
    const put = (key: string, value: string) => raw.client.put({ key: Buffer.from(`/mig/${key}`), value: Buffer.from(value) });
    const lines: string[] = [];
    const spec = { kind: 'etcd' as const, endpoints: (etcd as RunningEtcd).endpoints, prefix: '/mig' };
    try {
      await put('apps/deployments/default/web', 'deployment');
      await put('pods/default/p', 'pod'); // already where kube-apiserver keeps it
      await put('services/default/svc', 'service');
      await put('services/specs/x', 'service x in namespace specs');
      await put('nodes/n1', 'node');
      await put('rbac.authorization.k8s.io/clusterroles/admin', 'role');
      await put('events.k8s.io/events/default/e1', JSON.stringify(eventsV1Event));
      await put('events.k8s.io/events/default/enc', 'k8s:enc:aescbc:v1:key1:not JSON');
      await put('deployments/default/dup', 'new');
      await put('apps/deployments/default/dup', 'old');
      await put('ranges/serviceips', 'not ours');
      // a reader (storage backup) leaves them where they are
      await (await openStorageSpec(spec, '', { log: (l) => lines.push(l), moveEarlierLayout: false })).close();
      assert.equal(lines.length, 0);
      assert.equal((await raw.client.range({ key: Buffer.from('/mig/nodes/n1') })).kvs.length, 1);
      const s = await openStorageSpec(spec, '', { log: (l) => lines.push(l) });
      try {
        assert.deepEqual(lines, [
          "moved 6 objects from a-kube's earlier etcd key layout to kube-apiserver's (apps/deployments → deployments: 1, services → services/specs: 2, nodes → minions: 1, rbac.authorization.k8s.io/clusterroles → clusterroles: 1, events.k8s.io/events → events: 1); each has a new resourceVersion, in the old order",
          'left 1 key of the earlier layout in place because the object exists at its new key too: /mig/apps/deployments/default/dup',
          'left 1 key of the earlier layout in place because its value is not JSON objects to convert (encrypted?): /mig/events.k8s.io/events/default/enc',
        ]);
        const kvs = (await raw.client.range({ key: Buffer.from('/mig/'), range_end: Buffer.from('/mig0') })).kvs;
        const byKey = new Map(kvs.map((kv) => [kv.key.toString(), { value: kv.value.toString(), rev: Number(kv.mod_revision) }]));
        assert.deepEqual([...byKey.keys()].sort(), [
          '/mig/a-kube-layout',
          '/mig/apps/deployments/default/dup',
          '/mig/clusterroles/admin',
          '/mig/deployments/default/dup',
          '/mig/deployments/default/web',
          '/mig/events.k8s.io/events/default/enc',
          '/mig/events/default/e1',
          '/mig/minions/n1',
          '/mig/pods/default/p',
          '/mig/ranges/serviceips',
          '/mig/services/specs/default/svc',
          '/mig/services/specs/specs/x',
        ]);
        const order = ['/mig/deployments/default/web', '/mig/services/specs/default/svc', '/mig/services/specs/specs/x', '/mig/minions/n1', '/mig/clusterroles/admin', '/mig/events/default/e1'];
        const revs = order.map((k) => byKey.get(k)?.rev ?? 0);
        assert.deepEqual([...revs].sort((a, b) => a - b), revs);
        assert.ok((byKey.get('/mig/pods/default/p')?.rev ?? 0) < (revs[0] ?? 0));
        assert.equal(byKey.get('/mig/services/specs/specs/x')?.value, 'service x in namespace specs');
        assert.equal((await s.get('/registry/apps/deployments/default/web'))?.value, 'deployment');
        assert.equal((await s.get('/registry/core/nodes/n1'))?.value, 'node');
        assert.equal((await s.get('/registry/apps/deployments/default/dup'))?.value, 'new');
        assert.deepEqual((await s.range('/registry/core/services/')).kvs.map((kv) => kv.key), ['/registry/core/services/default/svc', '/registry/core/services/specs/x']);
        // the events.k8s.io Event is now a core Event in the core range; the marker is in no resource's range
        assert.deepEqual(JSON.parse((await s.get('/registry/core/events/default/e1'))?.value ?? '{}'), eventsV1ToCoreEvent(eventsV1Event));
        assert.equal(byKey.get('/mig/a-kube-layout')?.value, '2');
        assert.deepEqual((await raw.rangeAll({ limit: 100 })).kvs.filter((kv) => !kv.key.startsWith('/registry/')), []);
      } finally {
        await s.close();
      }
      // the marker says the layout is current: no scan (nothing read, nothing logged, nothing written)
      const again: string[] = [];
      const head = Number((await raw.client.range({ key: Buffer.from('/mig/x'), count_only: true })).header.revision);
      await (await openStorageSpec(spec, '', { log: (l) => again.push(l) })).close();
      assert.deepEqual(again, []);
      assert.equal(Number((await raw.client.range({ key: Buffer.from('/mig/x'), count_only: true })).header.revision), head);
      // without it, the scan runs again and finds what it left
      await raw.client.deleteRange({ key: Buffer.from('/mig/a-kube-layout') });
      const rescan: string[] = [];
      await (await openStorageSpec(spec, '', { log: (l) => rescan.push(l) })).close();
      assert.deepEqual(rescan, [
        'left 1 key of the earlier layout in place because the object exists at its new key too: /mig/apps/deployments/default/dup',
        'left 1 key of the earlier layout in place because its value is not JSON objects to convert (encrypted?): /mig/events.k8s.io/events/default/enc',
      ]);
      assert.equal((await raw.client.range({ key: Buffer.from('/mig/a-kube-layout') })).kvs.length, 1);
    } finally {
      await raw.close();
    }
  });

  test('an object written between the read and the move moves as written; one that keeps changing stays, and the layout is not marked current', async () => {
    const raw = open({ prefix: '/busy' });
    const key = (k: string) => Buffer.from(`/busy/${k}`);
    const put = (k: string, value: string) => raw.client.put({ key: key(k), value: Buffer.from(value) });
    const value = async (k: string) => (await raw.client.range({ key: key(k) })).kvs[0]?.value.toString();
    try {
      await put('apps/deployments/default/once', 'v1');
      await put('apps/deployments/default/always', 'a0');
      let once = 0;
      let always = 0;
      // a writer that changes the object right after each read of its value (not the keys-only scan)
      const client = {
        async range(req: Record<string, unknown>) {
          const res = await raw.client.range(req);
          const k = Buffer.isBuffer(req['key']) ? req['key'].toString() : '';
          if (req['keys_only'] !== true && k === '/busy/apps/deployments/default/once' && once++ === 0) await put('apps/deployments/default/once', 'v2');
          if (req['keys_only'] !== true && k === '/busy/apps/deployments/default/always') await put('apps/deployments/default/always', `a${++always}`);
          return res;
        },
        txn: (req: Record<string, unknown>) => raw.client.txn(req),
      };
      const report = await moveEarlierLayout({ layout: raw.layout, client });
      assert.deepEqual([...report.moved], [['apps/deployments → deployments', 1]]);
      assert.deepEqual(report.busy, ['/busy/apps/deployments/default/always']);
      assert.equal(await value('deployments/default/once'), 'v2');
      assert.equal(await value('apps/deployments/default/once'), undefined);
      assert.equal(await value('apps/deployments/default/always'), 'a3');
      assert.equal(await value('deployments/default/always'), undefined);
      assert.equal(await value('a-kube-layout'), undefined);
      assert.deepEqual(describeEarlierLayoutReport(report).slice(1), [
        'left 1 key of the earlier layout in place because it kept changing while being moved (the next start moves them): /busy/apps/deployments/default/always',
      ]);
      // the next start moves it and marks the layout current
      const next = await moveEarlierLayout(raw);
      assert.deepEqual([...next.moved], [['apps/deployments → deployments', 1]]);
      assert.equal(await value('deployments/default/always'), 'a3');
      assert.equal(await value('a-kube-layout'), '2');
      assert.equal((await moveEarlierLayout(raw)).skipped, true);
    } finally {
      await raw.close();
    }
  });

  test('two servers moving at once leave each object in one place and one marker', async () => {
    const raw = open({ prefix: '/race' });
    try {
      for (let i = 0; i < 40; i++) await raw.client.put({ key: Buffer.from(`/race/nodes/n${i}`), value: Buffer.from(`node ${i}`) });
      const [a, b] = await Promise.all([moveEarlierLayout(raw), moveEarlierLayout(raw)]);
      const moved = (r: typeof a) => r.moved.get('nodes → minions') ?? 0;
      assert.equal(moved(a) + moved(b), 40);
      assert.deepEqual([...a.kept, ...b.kept, ...a.busy, ...b.busy], []);
      const keys = (await raw.client.range({ key: Buffer.from('/race/'), range_end: Buffer.from('/race0'), keys_only: true })).kvs.map((kv) => kv.key.toString());
      assert.equal(keys.filter((k) => k.startsWith('/race/minions/')).length, 40);
      assert.deepEqual(keys.filter((k) => !k.startsWith('/race/minions/')), ['/race/a-kube-layout']);
    } finally {
      await raw.close();
    }
  });

  test('a watch resumes on another member from its last revision when its member dies; writes and reads go on', async () => {
    const cluster = await startEtcd({ members: 3 });
    const s = openEtcdStorage({ endpoints: cluster.endpoints, prefix: '/ha', log: () => undefined, timeoutMs: 3000 });
    try {
      const ac = new AbortController();
      const seen: string[] = [];
      let progressed = 0;
      const first = await s.create('/registry/core/configmaps/ns/a', 'a1');
      const watching = (async () => {
        for await (const batch of s.watch({ prefix: '/registry/core/configmaps/', afterRevision: first - 1, signal: ac.signal, onProgress: (r) => (progressed = r) })) {
          for (const ev of batch) seen.push(ev.type === 'put' ? `put ${ev.kv.value}` : `delete ${ev.key}`);
          if (seen.length === 4) ac.abort();
        }
      })();
      const b = await s.create('/registry/core/configmaps/ns/b', 'b1');
      await waitFor(() => progressed >= b);
      const current = s.client.currentEndpoint;
      await cluster.kill(cluster.endpoints.indexOf(current));
      // Every call after the kill succeeds (the client moves to a surviving member).
      const b2 = await s.update('/registry/core/configmaps/ns/b', 'b2', b);
      assert.equal((await s.get('/registry/core/configmaps/ns/b'))?.modRevision, b2);
      await s.delete('/registry/core/configmaps/ns/a');
      await watching;
      assert.deepEqual(seen, ['put a1', 'put b1', 'put b2', 'delete /registry/core/configmaps/ns/a']);
      assert.notEqual(s.client.currentEndpoint, current);
    } finally {
      await s.close();
      await cluster.stop();
    }
  });

  test('TLS with client certificates: the store connects with its certificate and fails clearly without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'a-kube-etcd-tls-'));
    const ca = await createCertificateAuthority('etcd-ca');
    const server = await issueCertificate(ca, { commonName: 'etcd', ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'], usage: 'server+client', validDays: 1 });
    const client = await issueCertificate(ca, { commonName: 'a-kube', usage: 'client', validDays: 1 });
    const files = { ca: join(dir, 'ca.crt'), cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
    writeFileSync(files.ca, ca.cert);
    writeFileSync(files.cert, server.cert);
    writeFileSync(files.key, server.key);
    const tls = { ca: Buffer.from(ca.cert), cert: Buffer.from(client.cert), key: Buffer.from(client.key) };
    const cluster = await startEtcd({ tls: files, clientTls: tls });
    const s = openEtcdStorage({ endpoints: cluster.endpoints, tls, log: () => undefined });
    const anonymous = openEtcdStorage({ endpoints: cluster.endpoints, tls: { ca: tls.ca }, log: () => undefined, timeoutMs: 2000 });
    try {
      const rev = await s.create('/registry/core/secrets/ns/s', 'x');
      assert.equal((await s.get('/registry/core/secrets/ns/s'))?.modRevision, rev);
      await assert.rejects(anonymous.get('/registry/core/secrets/ns/s'), (e: Error) => e.name === 'EtcdError');
    } finally {
      await s.close();
      await anonymous.close();
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('compaction through the store is what etcd reports, and a watch from before it fails with Compacted', async () => {
    const s = open();
    const other = open();
    try {
      const a = await s.create('/r/a', '1');
      const a2 = await s.update('/r/a', '2', a);
      await s.compact(a2);
      assert.equal(await other.compactedRevision(), a2);
      await assert.rejects(s.range('/r/', { revision: a }), { name: 'StorageError', code: 'Compacted' });
      const ac = new AbortController();
      const it = other.watch({ prefix: '/r/', afterRevision: a - 1, signal: ac.signal })[Symbol.asyncIterator]();
      await assert.rejects(it.next(), { name: 'StorageError', code: 'Compacted' });
      ac.abort();
    } finally {
      await s.close();
      await other.close();
    }
  });
});

describe('the API server on etcd', { skip: missing ? `skipped: ${missing}` : false, timeout: 60_000 }, () => {
  test('a continue token from before a compaction is answered 410 Expired (the list reads etcd at the revision of the token)', async () => {
    const store = open();
    const api = await createApiServer({
      storage: store,
      authenticator: { authenticate: async () => ({ kind: 'ok', user: { name: 'admin', groups: ['system:masters'] } }) },
      authorizer: { authorize: async () => ({ decision: 'allow', reason: '' }) },
    });
    const call = async (method: string, url: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
      const r = await api.handle({ method, url, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      return { status: r.status, json: typeof r.body === 'string' ? (JSON.parse(r.body) as Record<string, unknown>) : {} };
    };
    try {
      assert.equal((await call('POST', '/api/v1/namespaces', { metadata: { name: 'c' } })).status, 201);
      for (let i = 0; i < 5; i++) assert.equal((await call('POST', '/api/v1/namespaces/c/configmaps', { metadata: { name: `cm-${i}` } })).status, 201);
      const first = await call('GET', '/api/v1/namespaces/c/configmaps?limit=2');
      const meta = first.json['metadata'] as { continue: string; resourceVersion: string };
      assert.equal((first.json['items'] as unknown[]).length, 2);
      assert.equal((await call('GET', `/api/v1/namespaces/c/configmaps?limit=2&continue=${meta.continue}`)).status, 200);
      for (let i = 0; i < 3; i++) assert.equal((await call('POST', '/api/v1/namespaces/c/configmaps', { metadata: { name: `later-${i}` } })).status, 201);
      await store.compact((await store.currentRevision()) - 1);
      const expired = await call('GET', `/api/v1/namespaces/c/configmaps?limit=2&continue=${meta.continue}`);
      assert.equal(expired.status, 410);
      assert.equal(expired.json['reason'], 'Expired');
    } finally {
      await api.close();
      await store.close();
    }
  });
});

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
