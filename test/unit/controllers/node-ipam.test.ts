import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { parseCidr } from '../../../src/api/ipv4.js';
import { nextFreeBlock, reconcileNodeCidr, type NodeIpamDeps } from '../../../src/controllers/node-ipam.js';
import { FakeApi, RecordingRecorder } from './fake-client.js';

const nodesPath = '/api/v1/nodes';
const node = (name: string, podCIDR?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} });

function deps(api: FakeApi, cluster = '10.244.0.0/16', pending = new Map<string, string>()): NodeIpamDeps & { recorder: RecordingRecorder } {
  return { client: api, nodes: api.indexer(nodesPath), clusterCidr: parseCidr(cluster)!, maskSize: 24, pending, recorder: new RecordingRecorder() };
}

test('a node without a pod CIDR gets the first free /24, skipping blocks other nodes hold', async () => {
  const api = new FakeApi();
  api.seed(nodesPath, node('a', '10.244.0.0/24'), node('b', '10.244.2.0/24'), node('c'));
  const d = deps(api);
  await reconcileNodeCidr('c', d);
  const c = api.objects.get(`${nodesPath}/c`)!;
  assert.deepEqual(c['spec'], { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] });
  assert.deepEqual(d.recorder.events, ['Normal CIDRAssignmentSucceeded c: Node c was assigned pod CIDR 10.244.1.0/24']);
});

test('a node that already has a pod CIDR is left alone', async () => {
  const api = new FakeApi();
  api.seed(nodesPath, node('a', '10.244.7.0/24'));
  await reconcileNodeCidr('a', deps(api));
  assert.deepEqual(api.writes(), []);
});

test('two nodes allocated before the cache catches up get different blocks', async () => {
  const api = new FakeApi();
  api.seed(nodesPath, node('x'), node('y'));
  const pending = new Map<string, string>();
  // Both reconciles read the same (stale) cache: the pending map keeps them apart.
  const stale = api.indexer(nodesPath);
  await reconcileNodeCidr('x', { ...deps(api, undefined, pending), nodes: stale });
  await reconcileNodeCidr('y', { ...deps(api, undefined, pending), nodes: stale });
  const blocks = ['x', 'y'].map((n) => (api.objects.get(`${nodesPath}/${n}`)!['spec'] as { podCIDR: string }).podCIDR);
  assert.deepEqual(blocks, ['10.244.0.0/24', '10.244.1.0/24']);
});

test('a full cluster CIDR reports CIDRNotAvailable and retries later', async () => {
  const api = new FakeApi();
  api.seed(nodesPath, node('a', '10.0.0.0/24'), node('b'));
  const d = deps(api, '10.0.0.0/24');
  assert.deepEqual(await reconcileNodeCidr('b', d), { requeueAfterMs: 30_000 });
  assert.deepEqual(api.writes(), []);
  assert.deepEqual(d.recorder.events, ['Warning CIDRNotAvailable b: Node b status is now: CIDRNotAvailable']);
});

test('a deleted node frees its pending block', async () => {
  const api = new FakeApi();
  const pending = new Map([['gone', '10.244.0.0/24']]);
  await reconcileNodeCidr('gone', deps(api, undefined, pending));
  assert.equal(pending.size, 0);
  assert.equal(nextFreeBlock(parseCidr('10.244.0.0/16')!, 24, new Set(['10.244.0.0/24'])), '10.244.1.0/24');
});
