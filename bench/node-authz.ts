// `npm run bench -- node-authz [--pods 10000] [--nodes 100] [--rounds 7] [--decisions 2000]`: what the Node
// authorizer costs per decision with N pods stored, the graph (NodeGraph fed from the pod watch cache) against the
// former way measured in the same run: every decision listing the node's pods from the watch cache and scanning
// what each pod references. Also: time to load the graph from the cache, and the cost of one pod event.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { findResource } from '../src/api/catalog.js';
import type { KubeObject } from '../src/api/object.js';
import { createApiServer } from '../src/apiserver/api-server.js';
import { nodeAuthorizer, type NodeRelations } from '../src/auth/authz/node.js';
import { NodeGraph, nodeGraphSinks, type GraphKind } from '../src/auth/authz/node-graph.js';
import { podReferences } from '../src/auth/authz/pod-references.js';
import { bootstrapClusterRoles } from '../src/auth/authz/bootstrap-policy.js';
import { rulesOf } from '../src/auth/authz/rbac-types.js';
import { feedFromCache } from '../src/auth/cache-feed.js';
import type { Attributes, Authorizer } from '../src/auth/types.js';
import type { ResourceCache } from '../src/storage/cache-types.js';
import { createMemoryStorage } from '../src/storage/memory.js';
import { median } from './lib/stats.js';

const { values } = parseArgs({ options: { pods: { type: 'string', default: '10000' }, nodes: { type: 'string', default: '100' }, rounds: { type: 'string', default: '7' }, decisions: { type: 'string', default: '2000' } } });
const podCount = Number(values.pods);
const nodeCount = Number(values.nodes);
const rounds = Number(values.rounds);
const decisions = Number(values.decisions);
const namespaces = 10;

function podOf(i: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p-${i}`, namespace: `ns-${i % namespaces}` },
    spec: {
      nodeName: `node-${i % nodeCount}`,
      serviceAccountName: `sa-${i % 50}`,
      volumes: [{ name: 's', secret: { secretName: `secret-${i}` } }, { name: 'c', configMap: { name: `cm-${i % 200}` } }],
      containers: [{ name: 'c', image: 'nginx', envFrom: [{ secretRef: { name: `env-${i}` } }] }],
    },
  };
}

/** The former graph: list the node's pods from the watch cache on every decision, then scan their references. */
function scanRelations(cache: ResourceCache, prefix: string): NodeRelations & { ask(node: string, kind: GraphKind, ns: string, name: string): Promise<boolean> } {
  return {
    hasPath: () => {
      throw new Error('scan is asynchronous');
    },
    async ask(node, kind, ns, name) {
      const r = await cache.list({ prefix, filter: (p) => (p['spec'] as Record<string, unknown> | undefined)?.['nodeName'] === node });
      if (kind !== 'secrets' && kind !== 'configmaps' && kind !== 'persistentvolumeclaims' && kind !== 'serviceaccounts') return false;
      return r.items.some((p) => p.metadata.namespace === ns && podReferences(p)[kind].has(name));
    },
  };
}

async function main(): Promise<void> {
  const storage = createMemoryStorage();
  const api = await createApiServer({ storage, authenticator: { authenticate: async () => ({ kind: 'skip' }) }, authorizer: { authorize: async () => ({ decision: 'allow', reason: '' }) } });
  const info = findResource('', 'v1', 'pods');
  if (!info) throw new Error('no pods in the catalog');
  const nsInfo = findResource('', 'v1', 'namespaces');
  if (!nsInfo) throw new Error('no namespaces in the catalog');
  const nsStore = await api.stores.storeFor(nsInfo);
  for (let n = 0; n < namespaces; n++) await nsStore.create('', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}` } });
  const store = await api.stores.storeFor(info);
  const t0 = performance.now();
  for (let i = 0; i < podCount; i += 200) await Promise.all(Array.from({ length: Math.min(200, podCount - i) }, (_, j) => store.create(`ns-${(i + j) % namespaces}`, podOf(i + j))));
  console.log(`stored ${podCount} pods on ${nodeCount} nodes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const stop = new AbortController();
  const graph = new NodeGraph();
  const tg = performance.now();
  await feedFromCache({ cache: store.cache, prefix: store.prefix }, nodeGraphSinks(graph).pods, stop.signal);
  console.log(`graph loaded from the watch cache in ${(performance.now() - tg).toFixed(0)} ms (${graph.stats().pods} pods)`);

  const nodeRole = bootstrapClusterRoles().find((r) => r.metadata.name === 'system:node');
  if (!nodeRole) throw new Error('no system:node role');
  const nodeRules = rulesOf(nodeRole);
  const scan = scanRelations(store.cache, store.prefix);
  // The former authorizer, as it was: the same checks, answered by a scan.
  const scanAuthorizer: Authorizer = {
    async authorize(attrs) {
      const node = attrs.user.name.slice('system:node:'.length);
      const ok = await scan.ask(node, attrs.resource as GraphKind, attrs.namespace, attrs.name);
      return ok ? { decision: 'allow', reason: '' } : { decision: 'no-opinion', reason: '' };
    },
  };
  const graphAuthorizer = nodeAuthorizer({ nodeRules, graph });

  // Requests: half a secret of one of the node's own pods (allowed), half a secret of another node's pod (denied).
  const requests: { attrs: Attributes; allowed: boolean }[] = [];
  for (let k = 0; k < decisions; k++) {
    const i = (k * 7919) % podCount;
    const own = k % 2 === 0;
    const node = own ? `node-${i % nodeCount}` : `node-${(i + 1) % nodeCount}`;
    requests.push({
      allowed: own,
      attrs: { user: { name: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'] }, verb: 'get', resourceRequest: true, namespace: `ns-${i % namespaces}`, apiGroup: '', apiVersion: 'v1', resource: 'secrets', subresource: '', name: `secret-${i}`, path: '' },
    });
  }
  async function round(a: Authorizer, count: number): Promise<number> {
    const t = performance.now();
    for (let k = 0; k < count; k++) {
      const r = requests[k % requests.length]!;
      const d = await a.authorize(r.attrs);
      if ((d.decision === 'allow') !== r.allowed) throw new Error(`wrong decision for ${r.attrs.user.name} ${r.attrs.name}: ${d.decision}`);
    }
    return ((performance.now() - t) * 1000) / count;
  }
  // The scan is slow: it answers fewer requests per round, enough for a steady figure.
  const scanCount = Math.max(20, Math.min(decisions, Math.round(2_000_000 / podCount)));
  await round(scanAuthorizer, Math.min(20, scanCount));
  await round(graphAuthorizer, decisions);
  const scanUs: number[] = [];
  const graphUs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    scanUs.push(await round(scanAuthorizer, scanCount));
    graphUs.push(await round(graphAuthorizer, decisions));
  }
  const s = median(scanUs);
  const g = median(graphUs);
  console.log(`decision (get secret, half allowed), median of ${rounds} alternating rounds:`);
  console.log(`  scan of the node's pods per request (former): ${s.toFixed(1)} µs/decision (${scanCount} per round)`);
  console.log(`  graph (NodeGraph):                            ${g.toFixed(2)} µs/decision (${decisions} per round)`);
  console.log(`  ratio scan/graph: ${(s / g).toFixed(0)}x`);

  // One pod event: replace a pod's edges (a pod moved, its secrets changed).
  const tu = performance.now();
  for (let i = 0; i < podCount; i++) graph.upsertPod(podOf(i));
  console.log(`graph update: ${(((performance.now() - tu) * 1000) / podCount).toFixed(2)} µs per pod event`);
  stop.abort();
  await api.close();
  await storage.close();
}

await main();
