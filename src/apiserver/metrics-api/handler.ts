// metrics.k8s.io/v1beta1 served by the API server itself (the part metrics-server plays when it is aggregated):
// NodeMetrics and PodMetrics for get and list, with label and field selectors applied to the Nodes and Pods they
// describe, built from each node agent's /stats/summary. A node's answer is reused for a few seconds so that a
// `kubectl top` (metrics, then nodes or pods) or many clients read the node once.
import type { KubeObject } from '../../api/object.js';
import { findResource } from '../../api/catalog.js';
import type { ResourceInfo } from '../../api/resource-info.js';
import type { Summary } from '../../api/stats-summary.js';
import { errors } from '../../api/status.js';
import type { Strategy, TablePrinter } from '../../registry/strategy.js';
import type { ApiServer } from '../api-server.js';
import { listResponse, objectResponse } from '../encode.js';
import { negotiate } from '../negotiation.js';
import { getFromKubelet, kubeletEndpoint, type KubeletClientConfig } from '../node-proxy/kubelet-connection.js';
import { selectionFilter } from '../query.js';
import type { CustomHandler, CustomScope } from '../router.js';
import { parseIncludeObject } from '../table.js';
import { headerValue, type ApiResponse } from '../types.js';
import { nodeMetrics, podMetrics } from './convert.js';

export interface MetricsApiOptions {
  kubelet: KubeletClientConfig;
  /** Where summaries come from instead of the nodes' servers (tests). */
  summaryOf?: (node: Readonly<KubeObject>) => Promise<Summary | undefined>;
  /** How long a node's summary is reused (default 5 s). */
  cacheMs?: number;
  /** How long a node may take to answer (default 5 s); a node that does not has no metrics. */
  timeoutMs?: number;
  now?: () => number;
}

const maxSummaryBytes = 64 << 20;

function sumQuantities(obj: Readonly<KubeObject>, key: 'cpu' | 'memory'): string {
  const containers = Array.isArray(obj['containers']) ? (obj['containers'] as { usage?: Record<string, string> }[]) : [];
  if (obj['usage']) return String((obj['usage'] as Record<string, string>)[key] ?? '');
  return containers.map((c) => c.usage?.[key] ?? '').join(',');
}

/** The columns metrics-server prints for `kubectl get nodes.metrics.k8s.io` and `pods.metrics.k8s.io`. */
const metricsTable: TablePrinter = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name of the object the usage was measured for.', priority: 0 },
    { name: 'CPU', type: 'string', format: '', description: 'CPU usage (for pods, per container).', priority: 0 },
    { name: 'Memory', type: 'string', format: '', description: 'Memory working set (for pods, per container).', priority: 0 },
    { name: 'Window', type: 'string', format: '', description: 'The interval the CPU usage was measured over.', priority: 0 },
  ],
  cells: (obj) => [obj.metadata.name ?? '', sumQuantities(obj, 'cpu'), sumQuantities(obj, 'memory'), String(obj['window'] ?? '')],
};

function readAll(res: import('node:http').IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxSummaryBytes) res.destroy(new Error('the node\'s summary is too large'));
      else chunks.push(c);
    });
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function isSummary(v: unknown): v is Summary {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return typeof s['node'] === 'object' && s['node'] !== null && Array.isArray(s['pods']);
}

export class NodeSummaries {
  readonly #o: MetricsApiOptions;
  readonly #now: () => number;
  readonly #cache = new Map<string, { at: number; summary: Promise<Summary | undefined> }>();

  constructor(o: MetricsApiOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
  }

  /** The node's summary, or undefined when the node cannot be reached or answers nothing usable. */
  get(node: Readonly<KubeObject>): Promise<Summary | undefined> {
    const name = node.metadata.name ?? '';
    const hit = this.#cache.get(name);
    if (hit && this.#now() - hit.at < (this.#o.cacheMs ?? 5000)) return hit.summary;
    const summary = this.#fetch(node);
    this.#cache.set(name, { at: this.#now(), summary });
    // Nodes that went away leave the cache with their next miss; keep it bounded anyway.
    if (this.#cache.size > 10_000) this.#cache.delete(this.#cache.keys().next().value ?? '');
    return summary;
  }

  async #fetch(node: Readonly<KubeObject>): Promise<Summary | undefined> {
    if (this.#o.summaryOf) return this.#o.summaryOf(node);
    const endpoint = kubeletEndpoint(node, this.#o.kubelet);
    if (!endpoint) return undefined;
    const signal = AbortSignal.timeout(this.#o.timeoutMs ?? 5000);
    try {
      const res = await getFromKubelet(endpoint, this.#o.kubelet, '/stats/summary', signal);
      const text = await readAll(res);
      if (res.statusCode !== 200) return undefined;
      const parsed: unknown = JSON.parse(text);
      return isSummary(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
}

function metricsStrategy(resource: ResourceInfo): Strategy {
  return { resource, validate: () => [], table: metricsTable };
}

function encodeFor(s: CustomScope, strategy: Strategy) {
  return { output: negotiate(headerValue(s.req.headers, 'accept')), strategy, includeObject: parseIncludeObject(s.info.query.get('includeObject')), now: s.now };
}

function resourceOf(resource: string): ResourceInfo {
  const r = findResource('', 'v1', resource);
  if (!r) throw new Error(`${resource} are not in the catalog`);
  return r;
}

/** Serves nodes and pods of metrics.k8s.io/v1beta1 on `api`. */
export function installMetricsApi(api: ApiServer, o: MetricsApiOptions): void {
  const summaries = new NodeSummaries(o);
  const nodesResource = resourceOf('nodes');
  const podsResource = resourceOf('pods');

  async function nodeByName(name: string): Promise<Readonly<KubeObject> | undefined> {
    const store = await api.stores.storeFor(nodesResource);
    return store.get('', name).catch(() => undefined);
  }

  const nodes: CustomHandler = async function nodeMetricsHandler(s): Promise<ApiResponse> {
    const strategy = metricsStrategy(s.resource);
    const gr = { group: 'metrics.k8s.io', resource: 'nodemetrics' };
    const now = s.now();
    if (s.info.verb === 'get') {
      const node = await nodeByName(s.info.urlName);
      const summary = node ? await summaries.get(node) : undefined;
      const metrics = node && summary ? nodeMetrics(node, summary, now) : undefined;
      if (!metrics) throw errors.notFound(gr, s.info.urlName);
      return objectResponse(200, metrics, encodeFor(s, strategy));
    }
    if (s.info.verb !== 'list') throw errors.methodNotAllowed(s.info.verb, { group: s.resource.group, resource: s.resource.resource });
    const store = await api.stores.storeFor(nodesResource);
    const filter = selectionFilter(store.strategy, s.info.query.get('labelSelector'), s.info.query.get('fieldSelector'));
    const { items } = await store.list('', filter ? { filter } : {});
    const found = await Promise.all(items.map(async (n) => {
      const summary = await summaries.get(n);
      return summary ? nodeMetrics(n, summary, now) : undefined;
    }));
    return listResponse(s.resource, found.filter((m): m is KubeObject => m !== undefined), {}, encodeFor(s, strategy));
  };

  const pods: CustomHandler = async function podMetricsHandler(s): Promise<ApiResponse> {
    const strategy = metricsStrategy(s.resource);
    const gr = { group: 'metrics.k8s.io', resource: 'podmetrics' };
    const now = s.now();
    const store = await api.stores.storeFor(podsResource);
    const metricsFor = async (pod: Readonly<KubeObject>) => {
      const nodeName = (pod['spec'] as { nodeName?: unknown } | undefined)?.nodeName;
      if (typeof nodeName !== 'string' || nodeName === '') return undefined;
      const node = await nodeByName(nodeName);
      const summary = node ? await summaries.get(node) : undefined;
      return summary ? podMetrics(pod, summary, now) : undefined;
    };
    if (s.info.verb === 'get') {
      const pod = await store.get(s.info.namespace, s.info.urlName).catch(() => undefined);
      const metrics = pod ? await metricsFor(pod) : undefined;
      if (!metrics) throw errors.notFound(gr, `${s.info.namespace}/${s.info.urlName}`);
      return objectResponse(200, metrics, encodeFor(s, strategy));
    }
    if (s.info.verb !== 'list') throw errors.methodNotAllowed(s.info.verb, { group: s.resource.group, resource: s.resource.resource });
    const filter = selectionFilter(store.strategy, s.info.query.get('labelSelector'), s.info.query.get('fieldSelector'));
    const { items } = await store.list(s.info.namespace, filter ? { filter } : {});
    const found = await Promise.all(items.map(metricsFor));
    return listResponse(s.resource, found.filter((m): m is KubeObject => m !== undefined), {}, encodeFor(s, strategy));
  };

  api.registerResource('metrics.k8s.io', 'nodes', nodes);
  api.registerResource('metrics.k8s.io', 'pods', pods);
}
