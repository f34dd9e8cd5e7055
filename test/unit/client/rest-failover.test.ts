// A client given several servers of one cluster moves to the next when the one in use cannot be reached, stays
// there, and does not repeat a write whose fate is unknown; the servers come from --server repeated or from the
// kubeconfig cluster extension a-kube.io/servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionError } from '../../../src/client/api-error.js';
import { createRestClient } from '../../../src/client/rest.js';
import { clusterServers, KubeconfigError, resolveConfig, type Kubeconfig } from '../../../src/client/kubeconfig.js';

async function serve(name: string, onRequest?: (method: string) => 'reset' | undefined): Promise<{ url: string; server: Server; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (onRequest?.(req.method ?? '') === 'reset') {
      req.socket.destroy();
      return;
    }
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ kind: 'Status', served: name }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

/** A port nothing listens on (connections are refused). */
async function closedPort(): Promise<string> {
  const s = await serve('gone');
  await new Promise((r) => s.server.close(r));
  return s.url;
}

test('a refused connection moves reads and writes to the next server, which then stays in use', async (t) => {
  const dead = await closedPort();
  const b = await serve('b');
  t.after(() => b.server.close());
  const client = createRestClient({ server: dead, fallbackServers: [b.url] });
  t.after(() => client.close());
  assert.deepEqual(await client.get('/api/v1/namespaces/default'), { kind: 'Status', served: 'b' });
  assert.deepEqual(await client.create('/api/v1/namespaces', { metadata: { name: 'x' } }), { kind: 'Status', served: 'b' });
  assert.deepEqual(b.seen, ['GET /api/v1/namespaces/default', 'POST /api/v1/namespaces']);
});

test('with every server unreachable the error names the last one tried; one server alone fails as before', async (t) => {
  const [d1, d2] = [await closedPort(), await closedPort()];
  const both = createRestClient({ server: d1, fallbackServers: [d2] });
  t.after(() => both.close());
  await assert.rejects(both.get('/api'), (e: unknown) => e instanceof ConnectionError && e.host === new URL(d2).host);
  const one = createRestClient({ server: d1 });
  t.after(() => one.close());
  await assert.rejects(one.get('/api'), (e: unknown) => e instanceof ConnectionError && e.host === new URL(d1).host);
});

test('a connection lost during a write is not repeated elsewhere (it may have been served), but the next request moves on', async (t) => {
  const a = await serve('a', (method) => (method === 'POST' ? 'reset' : undefined));
  const b = await serve('b');
  t.after(() => {
    a.server.close();
    b.server.close();
  });
  const client = createRestClient({ server: a.url, fallbackServers: [b.url] });
  t.after(() => client.close());
  await assert.rejects(client.create('/api/v1/namespaces', {}), ConnectionError);
  assert.deepEqual(b.seen, []);
  assert.deepEqual(await client.get('/api'), { kind: 'Status', served: 'b' });
});

test('a lost connection during a read is retried on the next server', async (t) => {
  const a = await serve('a', () => 'reset');
  const b = await serve('b');
  t.after(() => {
    a.server.close();
    b.server.close();
  });
  const client = createRestClient({ server: a.url, fallbackServers: [b.url] });
  t.after(() => client.close());
  assert.deepEqual(await client.get('/api'), { kind: 'Status', served: 'b' });
});

test('the kubeconfig extension a-kube.io/servers lists more servers; --server replaces them all', () => {
  const cluster = { server: 'https://10.0.0.1:6443', extensions: [{ name: 'other', extension: { x: 1 } }, { name: 'a-kube.io/servers', extension: { servers: ['https://10.0.0.2:6443', '10.0.0.3:6443'] } }] };
  const kc: Kubeconfig = {
    files: [],
    writeTarget: '',
    currentContext: 'c',
    clusters: new Map([['k', { name: 'k', value: cluster, file: '/x' }]]),
    contexts: new Map([['c', { name: 'c', value: { cluster: 'k', user: 'u' }, file: '/x' }]]),
    users: new Map([['u', { name: 'u', value: { token: 't' }, file: '/x' }]]),
    preferences: {},
  };
  const r = resolveConfig(kc);
  assert.equal(r.client.server, 'https://10.0.0.1:6443');
  assert.deepEqual(r.client.fallbackServers, ['https://10.0.0.2:6443', 'https://10.0.0.3:6443']);
  const flags = resolveConfig(kc, { server: 'https://10.0.0.9:6443', fallbackServers: ['https://10.0.0.8:6443'] });
  assert.equal(flags.client.server, 'https://10.0.0.9:6443');
  assert.deepEqual(flags.client.fallbackServers, ['https://10.0.0.8:6443']);
  assert.equal(resolveConfig(kc, { server: 'https://10.0.0.9:6443' }).client.fallbackServers, undefined);
  for (const bad of [{ servers: 'https://x' }, { servers: [1] }, { servers: ['http://[bad'] }, { servers: Array.from({ length: 17 }, (_, i) => `https://10.0.0.${i}:1`) }]) {
    assert.throws(() => clusterServers({ extensions: [{ name: 'a-kube.io/servers', extension: bad }] }), KubeconfigError);
  }
  assert.deepEqual(clusterServers(undefined), []);
});
