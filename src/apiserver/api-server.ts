// The assembled API server, independent of any socket: the handler chain, the stores, the registration hooks.
// In-process components call dispatch() (a loopback with a fixed user, skipping authentication).
import { storageHealthCheck } from './storage-health.js';
import { defaultInFlightLimits, InFlightGauge, type InFlightLimits } from './max-in-flight.js';
import { apiServerMetrics, metricsHandler } from './metrics.js';
import type { Collected } from '../metrics/registry.js';
import { FlowControl } from './flowcontrol/controller.js';
import { startCompactor } from '../storage/compactor.js';
import type { AdmissionPlugin } from '../admission/types.js';
import { insertInOrder } from '../admission/order.js';
import { namespaceLifecycleAdmission } from '../admission/namespace-lifecycle.js';
import type { Authenticator, Authorizer, UserInfo } from '../auth/types.js';
import type { Auditor } from '../audit/index.js';
import type { Storage } from '../storage/types.js';
import { buildHandlerChain } from './chain.js';
import { useCachedObjectText } from './encode.js';
import { defaultWatchSettings, type WatchSettings } from './handlers/watch.js';
import { createNonResourceHandler, defaultVersion, type HealthCheck, type VersionInfo } from './nonresource.js';
import { createRouter, handlerKey, type CustomHandler } from './router.js';
import { StoreRegistry } from './stores.js';
import { ResourceRegistry } from '../api/resource-registry.js';
import { startCrdController } from './apiextensions/crd-controller.js';
import { startPolicyStatusController } from './admission-policy-status.js';
import { startAggregator, type AggregatorDeps } from './aggregator/controller.js';
import type { ApiRequest, ApiResponse, Handler } from './types.js';
import { encodedJson } from '../storage/index.js';

export interface ApiServerConfig {
  storage: Storage;
  authenticator: Authenticator;
  authorizer: Authorizer;
  version?: Partial<VersionInfo>;
  /** host:port advertised by /api (serverAddressByClientCIDRs). */
  serverAddress?: () => string;
  serviceClusterIPRange?: string;
  now?: () => Date;
  watch?: Partial<WatchSettings>;
  healthChecks?: HealthCheck[];
  /** Checks added to the defaults (or to `healthChecks`) on /healthz, /livez and /readyz. */
  extraHealthChecks?: HealthCheck[];
  /** Metric families beside the built-in ones on /metrics. */
  extraMetrics?: readonly Collected[];
  /** Requests in flight (default 400 read-only, 200 mutating; 0 = unlimited). */
  maxInFlight?: Partial<InFlightLimits>;
  /**
   * API Priority and Fairness (default on): requests classified by FlowSchemas and queued per priority level, the
   * levels sharing the sum of the two in-flight limits. Off: the plain in-flight limit.
   */
  priorityAndFairness?: boolean;
  /** Storage compaction every this many ms, keeping one interval of history (default 5 minutes; 0 = never). */
  compactionIntervalMs?: number;
  /** Audit policy and backends (none: nothing is audited). */
  auditor?: Auditor;
  /** API aggregation: the front-proxy client certificate for backends, check intervals. */
  aggregator?: Pick<AggregatorDeps, 'proxyClient' | 'checkIntervalMs' | 'checkTimeoutMs' | 'headerTimeoutMs'>;
}

/** The user in-process components act as by default over the loopback. */
export const loopbackUser: UserInfo = { name: 'system:apiserver', uid: 'loopback', groups: ['system:authenticated', 'system:masters'] };

export interface ApiServer {
  /** The full pipeline (authentication included) for one request. */
  handle(req: ApiRequest): Promise<ApiResponse>;
  /** In-process call: skips authentication, runs as `user` (default system:apiserver in system:masters). */
  dispatch(req: ApiRequest, user?: UserInfo): Promise<ApiResponse>;
  /** Serve a subresource (exec, attach, portforward, log, proxy, eviction, token...) with your own handler. */
  registerSubresource(group: string, resource: string, subresource: string, handler: CustomHandler): void;
  /** Serve a whole resource (review kinds such as selfsubjectaccessreviews) with your own handler. */
  registerResource(group: string, resource: string, handler: CustomHandler): void;
  /** Serve a non-resource path (e.g. /.well-known/openid-configuration) with your own handler (GET and HEAD). */
  registerNonResource(path: string, handler: Handler): void;
  /** Add an admission plugin; it takes its place from src/admission/order.ts whatever the order of registration. */
  registerAdmission(plugin: AdmissionPlugin): void;
  readonly stores: StoreRegistry;
  /** What is served now: the built-in catalog plus resources added at run time (CustomResourceDefinitions). */
  readonly resources: ResourceRegistry;
  close(): Promise<void>;
}

export async function createApiServer(cfg: ApiServerConfig): Promise<ApiServer> {
  useCachedObjectText(encodedJson);
  const now = cfg.now ?? (() => new Date());
  const registry = new ResourceRegistry();
  const stores = new StoreRegistry({ storage: cfg.storage, now, ...(cfg.serviceClusterIPRange ? { serviceClusterIPRange: cfg.serviceClusterIPRange } : {}) });
  await stores.start();
  // custom resources of CRDs already established are served from the first request on
  const crds = startCrdController({ registry, stores, now });
  await crds.ready;
  // APIServices: the local ones for what is served here, the remote ones proxied to their backends
  const aggregator = startAggregator({ registry, stores, now, ...cfg.aggregator });
  await aggregator.ready;
  // ValidatingAdmissionPolicies' status: observedGeneration and typeChecking
  const policyStatus = startPolicyStatusController({ registry, stores });
  const subresources = new Map<string, CustomHandler>();
  const resources = new Map<string, CustomHandler>();
  const healthChecks: HealthCheck[] = cfg.healthChecks ?? [
    { name: 'ping', check: async () => undefined },
    { name: 'log', check: async () => undefined },
    storageHealthCheck(cfg.storage),
  ].concat(cfg.extraHealthChecks ?? []);
  const nonResource = createNonResourceHandler({
    version: { ...defaultVersion, ...cfg.version },
    serverAddress: cfg.serverAddress ?? (() => '127.0.0.1:443'),
    healthChecks,
    registry,
  });
  const nonResourcePaths = new Map<string, Handler>();
  // NamespaceLifecycle is part of every API server (it reads the namespaces the stores keep); the other plugins
  // are registered by whoever builds them, each taking its place from src/admission/order.ts.
  const admission: AdmissionPlugin[] = [namespaceLifecycleAdmission({ phase: stores.namespacePhase })];
  const nonResourceOrRegistered: Handler = async function nonResourceRoute(req, ctx) {
    const registered = nonResourcePaths.get(ctx.requestInfo.path);
    const method = req.method.toUpperCase();
    if (registered && (method === 'GET' || method === 'HEAD')) return registered(req, ctx);
    return nonResource(req, ctx);
  };
  const localRoute = createRouter({ registry, stores, nonResource: nonResourceOrRegistered, watch: { ...defaultWatchSettings, ...cfg.watch }, now, subresources, resources, admission });
  // a group/version an APIService delegates to another server is proxied there, whatever is served here for it
  const route: Handler = async function aggregatedOrLocal(req, ctx) {
    const proxy = aggregator.handlerFor(ctx.requestInfo);
    return proxy ? proxy(req, ctx) : localRoute(req, ctx);
  };
  const inFlight = new InFlightGauge();
  const limits = { ...defaultInFlightLimits, ...cfg.maxInFlight };
  // both limits at 0 mean unlimited, as they do for the plain limit
  const flowControl = cfg.priorityAndFairness === false ? undefined : new FlowControl({ registry, stores, now, serverConcurrencyLimit: limits.readOnly > 0 || limits.mutating > 0 ? limits.readOnly + limits.mutating : 0 });
  await flowControl?.ready;
  const compactor = startCompactor({ storage: cfg.storage, ...(cfg.compactionIntervalMs !== undefined ? { intervalMs: cfg.compactionIntervalMs } : {}), log: (l) => process.stderr.write(`apiserver: ${l}\n`) });
  const metrics = apiServerMetrics({ storage: cfg.storage, inFlight, compaction: () => compactor.stats(), caches: () => stores.cacheStats(), flowControl: () => flowControl, ...(cfg.extraMetrics ? { extra: cfg.extraMetrics } : {}) });
  nonResourcePaths.set('/metrics', metricsHandler(metrics.registry));
  const entry = buildHandlerChain({
    requestMetrics: { metrics: metrics.requests, served: (info) => info.isResourceRequest && registry.find(info.apiGroup, info.apiVersion, info.resource) !== undefined },
    authenticator: cfg.authenticator,
    authorizer: cfg.authorizer,
    route,
    maxInFlight: { limits, gauge: inFlight },
    ...(flowControl ? { flowControl } : {}),
    ...(cfg.auditor ? { auditor: cfg.auditor } : {}),
  });
  return {
    handle: (req) => entry(req),
    dispatch: (req, user = loopbackUser) => entry(req, { user }),
    registerSubresource: (group, resource, subresource, handler) => void subresources.set(handlerKey(group, resource, subresource), handler),
    registerResource: (group, resource, handler) => void resources.set(handlerKey(group, resource), handler),
    registerNonResource: (path, handler) => void nonResourcePaths.set(path, handler),
    registerAdmission: (plugin) => insertInOrder(admission, plugin),
    stores,
    resources: registry,
    close: async () => {
      crds.stop();
      flowControl?.close();
      aggregator.stop();
      policyStatus.stop();
      compactor.stop();
      metrics.stop();
      await stores.close();
    },
  };
}
