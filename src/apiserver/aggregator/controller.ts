// The API server's aggregation loops (kube-apiserver's kube-aggregator): registers the local APIServices, checks
// every APIService's availability (Available condition with upstream's reasons), publishes what remote backends
// serve in the ResourceRegistry (their discovery and /openapi/v2 document, re-read on every check while they are
// available) and answers which requests go to a backend. Remote APIServices are checked when they, their Service or its Endpoints change, every interval, and at
// once when a proxied request could not reach the backend.
import type { Agent } from 'node:https';
import type { KubeObject } from '../../api/object.js';
import { apiServiceName, automanagedLabel, availableCondition, conditionOf, serviceOf, type APIService, type APIServiceCondition } from '../../api/apiregistration/types.js';
import type { ResourceRegistry } from '../../api/resource-registry.js';
import type { ResourceInfo } from '../../api/resource-info.js';
import { errors, StatusError } from '../../api/status.js';
import type { Store } from '../../registry/store.js';
import type { RequestInfo } from '../request-info.js';
import type { StoreRegistry } from '../stores.js';
import type { Handler } from '../types.js';
import { checkAvailability, type CheckResult } from './availability.js';
import { backendAgent, resolveBackend, type ProxyClientCertificate, type ServiceLookup } from './backend.js';
import { resourcesFromAggregatedDiscovery, resourcesFromDiscovery } from './discovery.js';
import { fetchAggregatedDiscovery } from './aggregated-discovery.js';
import { fetchOpenapiV2 } from './openapi-v2.js';
import { desiredLocalAPIServices, localAPIServiceObject, localSpecDiffers } from './local-apiservices.js';
import { plainError, proxyToBackend } from './proxy.js';
import { serialQueue } from '../serial-queue.js';

export interface AggregatorDeps {
  registry: ResourceRegistry;
  stores: StoreRegistry;
  now: () => Date;
  /** The front-proxy client certificate presented to backends (none: backends see no client certificate). */
  proxyClient?: ProxyClientCertificate;
  /** How often every remote APIService is checked again (default 30 s). */
  checkIntervalMs?: number;
  /** How long a discovery check may take (default 5 s). */
  checkTimeoutMs?: number;
  /** How long a backend may take to send response headers (default 60 s). */
  headerTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface Aggregator {
  /** Resolves once the APIServices present at start are known and the local ones exist (checks run on). */
  ready: Promise<void>;
  /** The handler for a request another server answers, or undefined when this server answers it. */
  handlerFor(info: RequestInfo): Handler | undefined;
  stop(): void;
}

interface Backend {
  group: string;
  version: string;
  available: boolean;
  resources: readonly ResourceInfo[];
  /** The backend's /openapi/v2 document and a digest of it (kept while the backend answers the same). */
  openapiV2?: { doc: unknown; digest: string };
  agent: Agent | undefined;
  /** The TLS settings the agent was made for. */
  agentKey: string;
  tls: { ca?: string; rejectUnauthorized: boolean };
  lastUnreachable: number;
}

function find(registry: ResourceRegistry, group: string, resource: string): ResourceInfo {
  const r = registry.find(group, 'v1', resource);
  if (!r) throw new Error(`the catalog has no ${resource}`);
  return r;
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The group and version a request addresses under /apis, whether a resource request or the group/version's discovery. */
function groupVersionOf(info: RequestInfo): { group: string; version: string } | undefined {
  if (info.isResourceRequest) return info.apiPrefix === 'apis' ? { group: info.apiGroup, version: info.apiVersion } : undefined;
  const parts = info.path.split('/').filter((p) => p !== '');
  // the backend's own OpenAPI v3 document of the group/version
  if (parts[0] === 'openapi' && parts[1] === 'v3' && parts[2] === 'apis' && parts.length === 5 && parts[3] && parts[4]) return { group: parts[3], version: parts[4] };
  if (parts[0] !== 'apis' || parts.length < 3 || !parts[1] || !parts[2]) return undefined;
  return { group: parts[1], version: parts[2] };
}

export function startAggregator(deps: AggregatorDeps): Aggregator {
  const log = deps.log ?? ((l: string) => process.stderr.write(`aggregator: ${l}\n`));
  const stop = new AbortController();
  const enqueue = serialQueue(reconcile, stop.signal, log);
  const current = new Map<string, APIService>();
  const backends = new Map<string, Backend>();
  /** Local APIService name → the group/version whose priorities it set in the registry. */
  const localPriorities = new Map<string, { group: string; version: string }>();
  let apiservices: Store | undefined;
  let services: Store | undefined;
  let endpoints: Store | undefined;

  const lookup: ServiceLookup = {
    service: async (ns, name) => services?.get(ns, name).catch(() => undefined),
    endpoints: async (ns, name) => endpoints?.get(ns, name).catch(() => undefined),
  };

  function backendFor(name: string, s: APIService): Backend {
    const key = JSON.stringify([s.spec?.caBundle ?? '', s.spec?.insecureSkipTLSVerify === true]);
    let b = backends.get(name);
    if (!b || b.agentKey !== key) {
      b?.agent?.destroy();
      const ca = typeof s.spec?.caBundle === 'string' && s.spec.caBundle !== '' ? Buffer.from(s.spec.caBundle, 'base64').toString('utf8') : undefined;
      b = {
        group: s.spec?.group ?? '',
        version: s.spec?.version ?? '',
        // until the first check, what the stored condition says
        available: b?.available ?? conditionOf(s, availableCondition)?.status === 'True',
        resources: b?.resources ?? [],
        ...(b?.openapiV2 ? { openapiV2: b.openapiV2 } : {}),
        agent: backendAgent(s, deps.proxyClient),
        agentKey: key,
        tls: { ...(ca ? { ca } : {}), rejectUnauthorized: s.spec?.insecureSkipTLSVerify !== true },
        lastUnreachable: 0,
      };
      backends.set(name, b);
    }
    return b;
  }

  function forget(name: string): void {
    const b = backends.get(name);
    if (!b) return;
    b.agent?.destroy();
    backends.delete(name);
    deps.registry.removeRemote(b.group, b.version);
  }

  /** A local APIService orders its group/version in discovery by its own priorities (a user may change them). */
  function setLocalPriority(name: string, s: APIService | undefined): void {
    const before = localPriorities.get(name);
    if (before && (!s || before.group !== s.spec?.group || before.version !== s.spec?.version)) {
      deps.registry.setLocalPriority(before.group, before.version, undefined);
      localPriorities.delete(name);
    }
    if (!s) return;
    const group = s.spec?.group ?? '';
    const version = s.spec?.version ?? '';
    localPriorities.set(name, { group, version });
    deps.registry.setLocalPriority(group, version, { groupPriorityMinimum: s.spec?.groupPriorityMinimum ?? 0, versionPriority: s.spec?.versionPriority ?? 0 });
  }

  async function reconcile(name: string): Promise<void> {
    const s = current.get(name);
    if (!s) {
      forget(name);
      setLocalPriority(name, undefined);
      return;
    }
    const group = s.spec?.group ?? '';
    const version = s.spec?.version ?? '';
    const ref = serviceOf(s);
    if (!ref || group === '') {
      // served here: whatever was delegated before comes back to the local handlers
      forget(name);
      setLocalPriority(name, s);
      await writeCondition(s, { status: 'True', reason: 'Local', message: 'Local APIServices are always available' });
      return;
    }
    setLocalPriority(name, undefined);
    const b = backendFor(name, s);
    const priorities = { groupPriorityMinimum: s.spec?.groupPriorityMinimum ?? 0, versionPriority: s.spec?.versionPriority ?? 0 };
    // the group/version is the backend's from now on, answered or not
    const published = () => ({ group, version, ...priorities, resources: b.resources, stale: !b.available, ...(b.openapiV2 ? { openapiV2: b.openapiV2.doc } : {}) });
    deps.registry.setRemote(published());
    const result = await checkAvailability(s, lookup, b.agent, deps.checkTimeoutMs ?? 5000);
    if (current.get(name) !== s) return; // changed meanwhile: the newer version is queued
    b.available = result.status === 'True';
    if (b.available) {
      // the backend's aggregated discovery when it serves one, else the legacy document the check just read
      const aggregated = b.agent ? await fetchAggregatedDiscovery(s, lookup, b.agent, deps.checkTimeoutMs ?? 5000) : undefined;
      if (current.get(name) !== s) return;
      b.resources = resourcesFromAggregatedDiscovery(aggregated, group, version, name) ?? resourcesFromDiscovery(result.discovery, group, version, name) ?? b.resources;
    }
    // the OpenAPI document of an available backend is merged into /openapi/v2; an unavailable one's is dropped
    if (b.available && b.agent) {
      const fetched = await fetchOpenapiV2(s, lookup, b.agent, deps.checkTimeoutMs ?? 5000);
      if (current.get(name) !== s) return;
      if (fetched && b.openapiV2?.digest !== fetched.digest) b.openapiV2 = fetched;
    } else delete b.openapiV2;
    deps.registry.setRemote(published());
    await writeCondition(s, result);
  }

  async function writeCondition(s: APIService, result: Pick<CheckResult, 'status' | 'reason' | 'message'>): Promise<void> {
    const old = conditionOf(s, availableCondition);
    if (old && old.status === result.status && old.reason === result.reason && old.message === result.message) return;
    const name = s.metadata.name ?? '';
    const condition: APIServiceCondition = {
      type: availableCondition,
      status: result.status,
      lastTransitionTime: old && old.status === result.status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(deps.now()),
      reason: result.reason,
      message: result.message,
    };
    if (!apiservices) return;
    try {
      await apiservices.update('', name, (cur) => {
        if (!cur) throw errors.notFound({ group: 'apiregistration.k8s.io', resource: 'apiservices' }, name);
        const status = (cur['status'] ?? {}) as { conditions?: APIServiceCondition[] };
        const others = (Array.isArray(status.conditions) ? status.conditions : []).filter((c) => c.type !== availableCondition);
        return { ...cur, status: { ...status, conditions: [...others, condition] } } as KubeObject;
      }, { subresource: 'status', retryOnConflict: true });
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'NotFound') return;
      throw e;
    }
  }

  /** Creates the local APIServices that are missing; at start also brings managed ones back in step. */
  async function registerLocal(atStart: boolean): Promise<void> {
    if (!apiservices) return;
    const desired = desiredLocalAPIServices(deps.registry);
    const wanted = new Set(desired.map((d) => d.name));
    for (const d of desired) {
      const have = current.get(d.name);
      try {
        if (!have) {
          await apiservices.create('', localAPIServiceObject(d));
          continue;
        }
        const label = have.metadata.labels?.[automanagedLabel];
        if (d.createOnly || label === undefined || serviceOf(have)) continue; // the user's now
        if (!(atStart || label === 'true') || !localSpecDiffers(have, d)) continue;
        await apiservices.update('', d.name, (cur) => {
          if (!cur) throw errors.notFound({ group: 'apiregistration.k8s.io', resource: 'apiservices' }, d.name);
          const want = localAPIServiceObject(d);
          return { ...cur, metadata: { ...cur.metadata, labels: { ...(cur.metadata.labels ?? {}), [automanagedLabel]: d.manage } }, spec: want['spec'] } as KubeObject;
        }, { retryOnConflict: true });
      } catch (e) {
        if (e instanceof StatusError && (e.reason === 'AlreadyExists' || e.reason === 'NotFound' || e.reason === 'Conflict')) continue;
        throw e;
      }
    }
    // group/versions of CRDs that are gone
    for (const [name, have] of current) {
      if (wanted.has(name) || have.metadata.labels?.[automanagedLabel] !== 'true' || serviceOf(have)) continue;
      await apiservices.delete('', name, {}).catch((e: unknown) => {
        if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
      });
    }
  }

  let registerTimer: NodeJS.Timeout | undefined;
  function scheduleRegistration(): void {
    if (registerTimer || stop.signal.aborted) return;
    registerTimer = setTimeout(() => {
      registerTimer = undefined;
      registerLocal(false).catch((e: unknown) => log(`local APIServices: ${e instanceof Error ? e.message : String(e)}`));
    }, 100);
    registerTimer.unref();
  }

  /** Follows one store: the initial state, then every change; resolves `initial` after the first full state. */
  function follow(store: Store, onEvent: (type: string, obj: KubeObject) => void, onInitial: () => void): void {
    void (async () => {
      try {
        for await (const batch of store.watch('', { signal: stop.signal, anyInitialState: false })) {
          for (const ev of batch) {
            if (ev.type === 'INITIAL_END') onInitial();
            else onEvent(ev.type, ev.object as KubeObject);
          }
        }
      } catch (e) {
        if (!stop.signal.aborted) log(`watch ended: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        onInitial();
      }
    })();
  }

  function enqueueFor(ns: string, name: string): void {
    for (const [key, s] of current) {
      const ref = serviceOf(s);
      if (ref && ref.namespace === ns && ref.name === name) enqueue(key);
    }
  }

  const ready = (async () => {
    apiservices = await deps.stores.storeFor(find(deps.registry, 'apiregistration.k8s.io', 'apiservices'));
    services = await deps.stores.storeFor(find(deps.registry, '', 'services'));
    endpoints = await deps.stores.storeFor(find(deps.registry, '', 'endpoints'));
    let initialDone: () => void = () => undefined;
    const initial = new Promise<void>((r) => (initialDone = r));
    follow(apiservices, (type, obj) => {
      const name = obj.metadata.name ?? '';
      if (type === 'DELETED') current.delete(name);
      else current.set(name, obj as APIService);
      enqueue(name);
    }, () => initialDone());
    const byService = (_type: string, obj: KubeObject) => enqueueFor(obj.metadata.namespace ?? '', obj.metadata.name ?? '');
    follow(services, byService, () => undefined);
    follow(endpoints, byService, () => undefined);
    await initial;
    await registerLocal(true).catch((e: unknown) => log(`local APIServices: ${e instanceof Error ? e.message : String(e)}`));
    deps.registry.onChange(() => scheduleRegistration());
    const interval = setInterval(() => {
      for (const [name, s] of current) if (serviceOf(s)) enqueue(name);
    }, deps.checkIntervalMs ?? 30_000);
    interval.unref();
    stop.signal.addEventListener('abort', () => clearInterval(interval));
  })();

  return {
    ready,
    handlerFor(info) {
      const gv = groupVersionOf(info);
      if (!gv || !deps.registry.remote(gv.group, gv.version)) return undefined;
      const name = apiServiceName(gv.group, gv.version);
      return async function aggregatedProxy(req, ctx) {
        const s = current.get(name);
        const b = backends.get(name);
        if (!s || !b || !b.available || !b.agent) return plainError(503, 'service unavailable');
        const agent = b.agent;
        return proxyToBackend(req, ctx, {
          resolve: () => resolveBackend(s, lookup),
          agent,
          tls: { ...b.tls, ...(deps.proxyClient ? { client: deps.proxyClient } : {}) },
          unreachable: () => {
            // check again at once, but not more than once a second however many requests fail
            const now = Date.now();
            if (now - b.lastUnreachable < 1000) return;
            b.lastUnreachable = now;
            enqueue(name);
          },
        }, { ...(deps.headerTimeoutMs !== undefined ? { headerTimeoutMs: deps.headerTimeoutMs } : {}) });
      };
    },
    stop() {
      stop.abort();
      if (registerTimer) clearTimeout(registerTimer);
      for (const b of backends.values()) b.agent?.destroy();
    },
  };
}
