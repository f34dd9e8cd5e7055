// `a-kube up`: one process with the API server (and, as later issues add them, controllers, scheduler and a node agent).
// Each component is started in order, and the cluster counts as up when the API server answers /readyz.
import { installAdmission } from './admission.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname, networkInterfaces } from 'node:os';
import { setMaxListeners } from 'node:events';
import { randomUUID } from 'node:crypto';
import { ensureClusterPki, type ClusterPki } from '../pki/index.js';
import { editKubeconfigServers, writeAdminKubeconfig } from './admin-kubeconfig.js';
import type { Storage } from '../storage/types.js';
import { describeStorageSpec, openStorageSpec, type StorageSpec } from '../storage/spec.js';
import { startApiServer, type RunningApiServer } from '../apiserver/server.js';
import { createClusterAuth } from '../auth/cluster-auth.js';
import { defaultRequestHeaderNames } from '../auth/authn/request-header.js';
import { ensureBootstrapPolicy, ensureNamespacedPolicy } from '../auth/authz/bootstrap-policy.js';
import { publishClusterInfo } from './cluster-info.js';
import { alwaysAllow } from '../auth/authz/always-allow.js';
import { startAggregationController } from '../auth/authz/aggregation.js';
import { createRestClient, type RestClient } from '../client/rest.js';
import { isNotFound } from '../client/api-error.js';
import { describeEncryption, kmsProviders, parseEncryptionConfig, readEncryptionConfigText, type ResourceEncryption } from '../storage/encryption/config.js';
import { watchEncryptionConfig, type EncryptionConfigReloader } from '../storage/encryption/reload.js';
import { reloadMetrics } from '../storage/encryption/reload-metrics.js';
import { encryptingStorage } from '../storage/encryption/storage.js';
import { openKmsPlugins } from '../storage/encryption/kms/provider.js';
import { transformerLookup } from '../storage/encryption/transformers.js';
import { ensureDefaultStorageClass, ensureSystemNamespaces, ensureSystemPriorityClasses } from './bootstrap.js';
import { publishExtensionAuthentication } from './aggregation-auth.js';
import { clusterCsrSigner, componentCertificate } from '../pki/index.js';
import { removeLegacyControllerManagerRole, runControllerManager } from '../controllers/manager.js';
import { componentPolicy, namespacedStartPolicy } from './rbac-policy.js';
import { runApiServerIdentity } from '../controllers/apiserver-identity.js';
import { componentUserAgent } from './component-user-agent.js';
import { controllerNamespace, type ControllerAccount } from '../controllers/policy.js';
import { serviceAccountCredentials } from '../client/control/service-account-credentials.js';
import { realClock } from '../client/workqueue.js';
import { runScheduler } from '../scheduler/run.js';
import { startFakeNodes } from '../kubelet/fake-nodes.js';
import type { ContainerdNode } from '../kubelet/containerd-node.js';
import type { LogRotationPolicy } from '../kubelet/logs/policy.js';
import type { ShutdownGracePeriods } from '../kubelet/shutdown-periods.js';
import { checkRuntimeDeps } from '../kubelet/containerd/deps.js';

/** Where Debian's containernetworking-plugins are. */
const cniBinDir = '/usr/lib/cni';
import { defaultBridgeName, setUpPodNetwork, type PodNetwork } from '../kubelet/network/pod-network.js';
import { ServiceProxy } from '../kubelet/network/proxy/proxier.js';
import { ipsetInstallHint, PolicyAgent } from '../kubelet/network/policy/agent.js';
import { policyAgentUser } from '../kubelet/network/policy/rbac.js';
import { createEventRecorder } from '../client/control/events.js';
import { installHttpProxies } from '../apiserver/node-proxy/http-proxy.js';
import { removeNodeNetworkSync } from '../kubelet/network/cleanup.js';
import { PodRoutes } from '../kubelet/network/routes.js';
import { startClusterDns } from '../kubelet/network/dns/cluster-dns.js';
import type { RunningDnsServer } from '../kubelet/network/dns/server.js';
import { clusterDnsServiceIdentity, clusterDnsServiceIP, runClusterDnsServiceController } from '../controllers/cluster-dns-service.js';
import { defaultClusterCidr } from '../api/cluster-network.js';
import { formatCidr, nthSubnet, parseCidr } from '../api/ipv4.js';

/** The local node's pod block: the cluster CIDR's first /24. */
function firstNodeBlock(clusterCidr: string): string {
  const cluster = parseCidr(clusterCidr);
  const block = cluster && nthSubnet(cluster, Math.max(24, cluster.prefix), 0);
  if (!block) throw new Error(`invalid cluster CIDR ${JSON.stringify(clusterCidr)}`);
  return formatCidr(block);
}
import { startLocalNodeServer, type RunningNodeServer } from '../kubelet/server/index.js';
import { installPodStreams } from '../apiserver/node-proxy/pod-streams.js';
import { installMetricsApi } from '../apiserver/metrics-api/handler.js';
import { installComponentStatus } from '../apiserver/component-status.js';
import { storageHealthCheck } from '../apiserver/storage-health.js';
import type { KubeletEndpoint } from '../apiserver/node-proxy/kubelet-connection.js';
import { kubeletServingCertificate } from '../pki/index.js';
import { createPrivateFile, securePermissions, takeDataDir } from './data-dir.js';
import { setUpAudit, type AuditOptions } from './audit.js';
import { consolePrefix, createConsoleHandler } from '../console/handler.js';
import { loadAssets } from '../console/assets.js';
import { inProcessUpstream } from '../console/upstream.js';

export interface ClusterOptions {
  dataDir: string;
  port: number;
  listen: string;
  /** The backend (--storage): 'sqlite' and 'memory' are short for { kind: 'sqlite' } and { kind: 'memory' }. */
  storage: 'sqlite' | 'memory' | StorageSpec;
  anonymousAuth: boolean;
  /** --token-auth-file: CSV of static bearer tokens (token,user,uid,"group1,group2"). */
  tokenAuthFile?: string;
  /**
   * --requestheader-*: which front proxies are believed (default: the front-proxy CA, the name front-proxy-client,
   * no UID header); the user, group and extra headers are kubeadm's X-Remote-User, X-Remote-Group, X-Remote-Extra-.
   */
  requestHeader?: { clientCA?: string; allowedNames?: string[]; uidHeaders?: string[] };
  /**
   * --service-account-max-token-expiration in seconds: TokenRequests for longer get this lifetime. Below Kubernetes'
   * 1 hour minimum only for development and tests (pod tokens then rotate within seconds).
   */
  serviceAccountMaxTokenExpirationSeconds?: number;
  /** --authorization-mode: RBAC (default; with the node authorizer and system:masters) or AlwaysAllow (no authorization). */
  authorizationMode?: 'RBAC' | 'AlwaysAllow';
  /** Progress lines for people waiting ("generating certificates…"). */
  progress?: (line: string) => void;
  /** Node agent runtime: 'containerd' (default: real containers), 'fake' (simulated nodes) or 'none' (no local node). */
  runtime?: 'containerd' | 'fake' | 'none';
  /** --container-runtime-endpoint: an existing containerd's CRI socket instead of starting one. */
  containerRuntimeEndpoint?: string;
  /** --keep-pods: leave containers running on shutdown (the next start adopts them). */
  keepPods?: boolean;
  /** --shutdown-grace-period / --shutdown-grace-period-critical-pods of the containerd node (default 30 s / 10 s). */
  shutdownGracePeriods?: ShutdownGracePeriods;
  /** --container-log-max-size / --container-log-max-files of the containerd node (default 10Mi, 5 files). */
  logRotation?: LogRotationPolicy;
  /** How many simulated nodes (--nodes, default 1). */
  nodes?: number;
  /** Set up the pod network on this machine (bridge, forwarding, masquerade): for a runtime with real pods. */
  podNetwork?: boolean;
  /** --cluster-cidr: the pods' address range, a /24 per node (default 10.244.0.0/16). */
  clusterCidr?: string;
  /** --node-ip: the node's InternalIP and the API server address pods use (default: the pod bridge's gateway). */
  nodeIP?: string;
  /** --reset-state: start with an empty database even where a cluster's certificates exist. */
  resetState?: boolean;
  /** --encryption-provider-config: an EncryptionConfiguration file; the listed resources are encrypted at rest. */
  encryptionProviderConfig?: string;
  /** --encryption-provider-config-automatic-reload: read the file again when it changes (see reload.ts). */
  encryptionProviderConfigAutomaticReload?: boolean;
  /** How often the file is checked for changes (default: each minute). */
  encryptionConfigReloadIntervalMs?: number;
  /** --max-requests-inflight / --max-mutating-requests-inflight (defaults 400 / 200; 0 = unlimited). */
  maxInFlight?: { readOnly?: number; mutating?: number };
  /** API Priority and Fairness over the sum of the two limits (default true). */
  priorityAndFairness?: boolean;
  /** The audit log and its policy (default: DATA_DIR/audit.log with the built-in policy). */
  audit?: AuditOptions;
  /** Serve the web console at /console/ on the API server's port (default: true). */
  console?: boolean;
  /**
   * 'all' (default, `a-kube up`): API server, controllers, scheduler and nodes. 'apiserver' (`a-kube server`): the
   * API server with what belongs to it (bootstrap policy, system namespaces, the kubernetes Service), no control loops.
   */
  components?: 'all' | 'apiserver';
  /**
   * --advertise-address: the address other machines reach the API server at, published in kube-public/cluster-info
   * for joining nodes and added to the serving certificate (default: the listen address; for 0.0.0.0 the machine's
   * first non-loopback IPv4 address).
   */
  advertiseAddress?: string;
  /** --cluster-signing-duration: the longest certificate the CSR signer issues (default one year). */
  clusterSigningDurationMs?: number;
  /** --terminated-pod-gc-threshold: terminated pods kept before podgc deletes the oldest (default 12500). */
  terminatedPodGcThreshold?: number;
  /** --node-monitor-grace-period: how long a node may miss Lease renewals before it is NotReady (default 40 s). */
  nodeMonitorGracePeriodMs?: number;
}

/** The address to publish for other machines when the server listens on every interface. */
function firstExternalIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

/** The identity of the API server's own client (kube-apiserver's loopback user). */
export const loopbackUser = 'system:apiserver';

export interface RunningCluster {
  url: string;
  /** The URL published to joining nodes (kube-public/cluster-info). */
  publishedUrl: string;
  kubeconfigPath: string;
  pki: ClusterPki;
  apiserver: RunningApiServer;
  /** The API server's own client: system:apiserver in system:masters (every permission, left out of audit reads). */
  adminClient: RestClient;
  /** The pod network when this machine runs real pods (see ClusterOptions.podNetwork). */
  podNetwork?: PodNetwork;
  /** The node's address (InternalIP) as pods reach it, when known. */
  nodeIP?: string;
  close(): Promise<void>;
}

function storageSpec(opts: ClusterOptions): StorageSpec {
  return typeof opts.storage === 'string' ? { kind: opts.storage } : opts.storage;
}

/** How long the KMS plugins of a replaced encryption configuration stay open for the seals and opens in flight. */
const replacedKmsGraceMs = 30_000;

interface OpenedStorage {
  storage: Storage;
  /** The `kms-providers` health check of the configuration in use (none without encryption). */
  kmsHealth?: () => Promise<void>;
  /** Whether KMS plugins encrypt the storage now. */
  usesKms?: () => boolean;
  /** Puts another encryption configuration in use (after its KMS plugins have answered); throws and changes nothing otherwise. */
  replaceEncryption?: (config: ResourceEncryption[]) => Promise<void>;
}

/** The storage, encrypting what the configuration names; its configuration can be replaced while it runs. */
async function openStorage(spec: StorageSpec, dataDir: string, encryption: ResourceEncryption[] | undefined, say: (line: string) => void): Promise<OpenedStorage> {
  // Every KMS plugin must answer its Status before anything is read or written.
  const kms = encryption ? await openKmsPlugins(kmsProviders(encryption)) : undefined;
  try {
    if (spec.kind === 'sqlite') createPrivateFile(spec.path ?? join(dataDir, 'state.db'));
    const plain = await openStorageSpec(spec, join(dataDir, 'state.db'), { log: (line) => say(`storage: ${line}`) });
    if (!encryption || !kms) return { storage: plain };
    let active = { lookup: transformerLookup(encryption, kms.plugins), kms };
    const storage = encryptingStorage(plain, (group, resource) => active.lookup(group, resource), () => active.kms.close());
    return {
      storage,
      kmsHealth: () => active.kms.health(),
      usesKms: () => active.kms.plugins.size > 0,
      async replaceEncryption(config) {
        const next = await openKmsPlugins(kmsProviders(config));
        const previous = active.kms;
        active = { lookup: transformerLookup(config, next.plugins), kms: next };
        setTimeout(() => previous.close(), replacedKmsGraceMs).unref();
      },
    };
  } catch (e) {
    kms?.close();
    throw e;
  }
}

async function waitForDefaultServiceAccount(client: RestClient, signal: AbortSignal, say: (line: string) => void): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!signal.aborted) {
    try {
      await client.get('/api/v1/namespaces/default/serviceaccounts/default', { signal });
      return;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    if (Date.now() > deadline) {
      say('the default ServiceAccount is not there after 60 s: pods in namespace default will be refused until the controllers make it');
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function leaderIdentity(dataDir: string): string {
  const file = join(dataDir, 'identity');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const identity = `${hostname()}_${randomUUID()}`;
  writeFileSync(file, `${identity}\n`);
  return identity;
}

export async function startCluster(opts: ClusterOptions): Promise<RunningCluster> {
  const say = opts.progress ?? (() => {});
  // Read and checked before anything is made: a bad file stops the start with the field that is wrong.
  const encryptionFile = opts.encryptionProviderConfig;
  const encryptionText = encryptionFile ? readEncryptionConfigText(encryptionFile) : undefined;
  const encryptionConfig = encryptionFile && encryptionText !== undefined ? parseEncryptionConfig(encryptionText, encryptionFile) : undefined;
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  // One server per data dir, and no silent empty start over a cluster whose database is missing.
  const spec = storageSpec(opts);
  // The missing-database check is about the data dir's own state.db; other files and etcd are the user's to point at.
  // API servers alone on one etcd share the data dir (its CA, serving certificates and service-account keys);
  // everything else has it alone, and a second writer of one SQLite file is refused.
  const apiServerOnly = opts.components === 'apiserver';
  const dataDirLock = takeDataDir(opts.dataDir, {
    sqlite: spec.kind === 'sqlite' && spec.path === undefined,
    resetState: opts.resetState ?? false,
    say,
    ...(apiServerOnly && spec.kind === 'etcd' ? { shared: `etcd ${spec.prefix ?? '/registry'}` } : {}),
    ...(apiServerOnly && spec.kind === 'sqlite' ? { refusalHint: 'SQLite has one writer: to run several API servers on one data dir, keep the cluster in etcd (--storage etcd://HOST:PORT)' } : {}),
  });
  if (dataDirLock.joined) say(`sharing the data dir with the API servers already running on it`);
  // The pod bridge comes first: the API server binds its gateway address, where pods reach it.
  const clusterCidr = opts.clusterCidr ?? defaultClusterCidr;
  let podNetwork: PodNetwork | undefined;
  let lastResortCleanup: (() => void) | undefined;
  // Without root or the runtime's packages nothing can run here: the control plane still comes up, the node
  // reports NotReady with the reason, and the machine's network is left alone.
  const runtimeProblem = (opts.runtime ?? 'containerd') === 'containerd' && !opts.containerRuntimeEndpoint ? checkRuntimeDeps(cniBinDir).problem : undefined;
  if (opts.podNetwork && runtimeProblem) say(`pod network not set up: ${runtimeProblem}`);
  if (opts.podNetwork && !runtimeProblem) {
    podNetwork = await setUpPodNetwork({ bridge: defaultBridgeName, podCidr: firstNodeBlock(clusterCidr), clusterCidr, owner: `data dir ${opts.dataDir}` });
    say(`pod network: bridge ${podNetwork.bridge} ${podNetwork.gateway} (${podNetwork.podCidr} of ${podNetwork.clusterCidr})`);
    // If the process exits before close() has finished (the shutdown timer), the rules still go.
    const bridge = podNetwork.bridge;
    lastResortCleanup = () => removeNodeNetworkSync(bridge);
    process.once('exit', lastResortCleanup);
  }
  const nodeIP = opts.nodeIP ?? podNetwork?.gateway;
  const closeOnFailure = async (e: unknown): Promise<never> => {
    await podNetwork?.teardown().catch(() => {});
    if (lastResortCleanup) process.off('exit', lastResortCleanup);
    throw e;
  };
  say(`certificates and keys in ${join(opts.dataDir, 'pki')}`);
  const wildcard = opts.listen === '0.0.0.0' || opts.listen === '::';
  const advertiseAddress = opts.advertiseAddress ?? (wildcard ? firstExternalIPv4() ?? '127.0.0.1' : opts.listen);
  const pki = await ensureClusterPki(opts.dataDir, { extraHosts: [opts.listen, advertiseAddress, ...(nodeIP ? [nodeIP] : [])] }).catch(closeOnFailure);
  say(`storage: ${describeStorageSpec(spec, join(opts.dataDir, 'state.db'))}`);
  if (encryptionConfig) say(`encryption at rest: ${describeEncryption(encryptionConfig)}`);
  const { storage, kmsHealth, usesKms, replaceEncryption } = await openStorage(spec, opts.dataDir, encryptionConfig, say).catch(closeOnFailure);
  let reloader: EncryptionConfigReloader | undefined;
  if (opts.encryptionProviderConfigAutomaticReload && encryptionFile && encryptionText !== undefined && replaceEncryption) {
    reloader = watchEncryptionConfig({
      file: encryptionFile,
      loadedText: encryptionText,
      ...(opts.encryptionConfigReloadIntervalMs ? { intervalMs: opts.encryptionConfigReloadIntervalMs } : {}),
      apply: async (config) => {
        await replaceEncryption(config);
        say(`encryption at rest: ${describeEncryption(config)}`);
      },
      log: say,
    });
  }
  // With automatic reload the check stays whatever the file comes to name, as kube-apiserver's single kms-providers check.
  const kmsCheck = kmsHealth && (reloader || usesKms?.()) ? kmsHealth : undefined;

  // front proxies (kubeadm's settings unless told otherwise): clients of the front-proxy CA named front-proxy-client
  const requestHeader = {
    ...defaultRequestHeaderNames,
    clientCA: opts.requestHeader?.clientCA ?? pki.frontProxyCa.cert,
    ...(opts.requestHeader?.allowedNames ? { allowedNames: opts.requestHeader.allowedNames } : {}),
    ...(opts.requestHeader?.uidHeaders?.length ? { uidHeaders: opts.requestHeader.uidHeaders } : {}),
  };
  const auth = createClusterAuth({
    clientCA: pki.ca.cert,
    requestHeader,
    serviceAccountKey: pki.serviceAccount,
    anonymous: opts.anonymousAuth,
    ...(opts.tokenAuthFile ? { tokenAuthFile: opts.tokenAuthFile } : {}),
    ...(opts.serviceAccountMaxTokenExpirationSeconds ? { maxTokenExpirationSeconds: opts.serviceAccountMaxTokenExpirationSeconds } : {}),
  });
  // API servers sharing a data dir each keep their own audit log (rotation renames the file it writes).
  const auditOptions = dataDirLock.joined && opts.audit?.logPath === undefined ? { ...opts.audit, logPath: join(opts.dataDir, `audit-${opts.port || process.pid}.log`) } : opts.audit ?? {};
  const audit = await setUpAudit(opts.dataDir, auditOptions, say).catch(closeOnFailure);
  if (audit.logPath) say(`audit log: ${audit.logPath}`);
  const apiserver = await startApiServer({
    storage,
    auditor: audit.auditor,
    // client certificates of either CA are asked for: users' and nodes', and front proxies'
    tls: { cert: pki.apiserver.cert, key: pki.apiserver.key, clientCA: `${pki.ca.cert.trimEnd()}\n${requestHeader.clientCA}` },
    authenticator: auth.authenticator,
    authorizer: opts.authorizationMode === 'AlwaysAllow' ? alwaysAllow : auth.authorizer,
    host: opts.listen,
    ...(nodeIP && opts.listen !== '0.0.0.0' ? { additionalHosts: [nodeIP] } : {}),
    port: opts.port,
    ...(opts.maxInFlight ? { maxInFlight: opts.maxInFlight } : {}),
    ...(opts.priorityAndFairness !== undefined ? { priorityAndFairness: opts.priorityAndFairness } : {}),
    aggregator: { proxyClient: pki.frontProxyClient },
    ...(kmsCheck ? { extraHealthChecks: [{ name: 'kms-providers', check: kmsCheck }] } : {}),
    ...(reloader ? { extraMetrics: reloadMetrics(reloader) } : {}),
  }).catch(closeOnFailure);
  const host = opts.listen === '0.0.0.0' || opts.listen === '::' ? '127.0.0.1' : opts.listen;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${apiserver.port}`;
  say(`API server listening on ${url}`);
  if (opts.console !== false) {
    apiserver.mount(consolePrefix, createConsoleHandler({ upstream: inProcessUpstream(apiserver.api), assets: loadAssets(), ...(audit.timeline ? { timeline: audit.timeline } : {}) }));
    say(`web console: ${url}${consolePrefix}`);
  }
  const stop = new AbortController();
  // Every component and informer listens for shutdown on this one signal.
  setMaxListeners(0, stop.signal);
  await auth.install(apiserver.api, { serverUrl: url, signal: stop.signal });
  installAdmission(apiserver.api, opts.authorizationMode === 'AlwaysAllow' ? alwaysAllow : auth.authorizer);
  // pods/log, exec, attach, portforward go to the pod's node agent; this process's agents are reached directly.
  const localNodes = new Map<string, KubeletEndpoint>();
  const nodeServers: RunningNodeServer[] = [];
  const kubeletClient = { ca: pki.ca.cert, cert: pki.kubeletClient.cert, key: pki.kubeletClient.key, localNodes };
  installPodStreams(apiserver.api, kubeletClient, opts.authorizationMode === 'AlwaysAllow' ? undefined : auth.authorizer);
  installHttpProxies(apiserver.api);
  installMetricsApi(apiserver.api, { kubelet: kubeletClient });
  installComponentStatus(apiserver.api, storageHealthCheck(storage));

  const kubeconfigPath = join(opts.dataDir, 'admin.kubeconfig');
  // The first API server on a data dir writes its admin kubeconfig; the ones that join add their URL to its list of
  // servers (a-kubectl and the components move along it when one cannot be reached).
  if (!dataDirLock.joined || !existsSync(kubeconfigPath)) writeAdminKubeconfig(kubeconfigPath, { server: url, caCert: pki.ca.cert, client: pki.admin });
  else {
    const listed = editKubeconfigServers(kubeconfigPath, { add: [url] });
    say(listed.kind === 'refused' ? `${kubeconfigPath} left as it is: ${listed.reason}` : `${kubeconfigPath} lists ${listed.servers.join(', ')}`);
  }
  // The server's own start-up work and loops run as kube-apiserver's loopback identity (system:apiserver in
  // system:masters), not as the person holding admin.kubeconfig: the audit log tells them apart, and the default
  // audit policy leaves this identity's reads out as it does the other components'.
  const loopback = await componentCertificate(pki, 'apiserver-loopback', loopbackUser, ['system:masters']);
  const adminClient = createRestClient({ server: url, caData: Buffer.from(pki.ca.cert), certData: Buffer.from(loopback.cert), keyData: Buffer.from(loopback.key), userAgent: componentUserAgent('bootstrap') });
  await ensureSystemNamespaces(adminClient);
  // extension API servers read how to trust a-kube as their front proxy from kube-system
  await publishExtensionAuthentication(adminClient, pki.ca.cert, requestHeader);
  await ensureDefaultStorageClass(adminClient);
  await ensureSystemPriorityClasses(adminClient);
  const policy = await ensureBootstrapPolicy(adminClient, stop.signal, componentPolicy());
  if (policy.created.length + policy.updated.length > 0) say(`RBAC bootstrap policy: ${policy.created.length} created, ${policy.updated.length} updated`);
  // Nodes on other machines join with bootstrap tokens: kubeadm's bindings (above), the controllers' namespaced
  // Roles and the cluster-info ConfigMap they discover the server and CA from.
  await ensureNamespacedPolicy(adminClient, namespacedStartPolicy(), stop.signal);
  const publishedUrl = `https://${advertiseAddress.includes(':') ? `[${advertiseAddress}]` : advertiseAddress}:${apiserver.port}`;
  await publishClusterInfo(adminClient, publishedUrl, pki.ca.cert);

  // Controllers, scheduler and nodes talk to the API server over loopback HTTPS with their own certificates.
  const componentClients: RestClient[] = [];
  const clientAs = async (file: string, cn: string, orgs: string[] = []) => {
    const pair = await componentCertificate(pki, file, cn, orgs);
    const c = createRestClient({ server: url, caData: Buffer.from(pki.ca.cert), certData: Buffer.from(pair.cert), keyData: Buffer.from(pair.key), userAgent: componentUserAgent(file) });
    componentClients.push(c);
    return c;
  };
  const logComponent = (line: string) => say(line);
  const controllerManagerClient = await clientAs('controller-manager', 'system:kube-controller-manager');
  // ClusterRole aggregation reads the authorizer's own index, so it runs here (also with --components apiserver),
  // but writes as kube-controller-manager's controller would: as kube-system/clusterrole-aggregation-controller,
  // whose token the manager's identity requests.
  const aggregationCredentials = serviceAccountCredentials({ root: controllerManagerClient, namespace: controllerNamespace, clock: realClock, signal: stop.signal, log: logComponent });
  startAggregationController({ index: auth.index, client: aggregationCredentials.clientFor('clusterrole-aggregation-controller' satisfies ControllerAccount), signal: stop.signal, onError: (e) => say(`clusterrole aggregation: ${e instanceof Error ? e.message : String(e)}`) });
  await removeLegacyControllerManagerRole(adminClient);
  // This server's identity Lease; the kubernetes Service lists every API server whose Lease is current. Pods reach
  // this one at --advertise-address, else the node's address (the pod bridge's gateway), else where it listens.
  const identityDone = runApiServerIdentity({ client: adminClient, hostname: hostname().toLowerCase(), endpoint: { address: opts.advertiseAddress ?? nodeIP ?? host, port: apiserver.port }, dataDir: opts.dataDir, soleServerOfDataDir: !dataDirLock.joined, signal: stop.signal, log: logComponent });
  // A stable leader-election identity per data dir: after a crash, the restarted process takes its own Lease back
  // at once instead of waiting for it to expire.
  const identity = leaderIdentity(opts.dataDir);
  if (!apiServerOnly) void runControllerManager({ client: controllerManagerClient, caPem: pki.ca.cert, signLegacyToken: (ns, sa, secret) => auth.signer.signLegacy(ns, sa, secret), csrSigner: clusterCsrSigner(pki.ca), ...(opts.clusterSigningDurationMs ? { clusterSigningDurationMs: opts.clusterSigningDurationMs } : {}), ...(opts.nodeMonitorGracePeriodMs ? { nodeMonitorGracePeriodMs: opts.nodeMonitorGracePeriodMs } : {}), ...(opts.terminatedPodGcThreshold !== undefined ? { terminatedPodGcThreshold: opts.terminatedPodGcThreshold } : {}), signal: stop.signal, log: logComponent, identity, clusterCidr, useServiceAccountCredentials: true, localPathDir: join(opts.dataDir, 'local-path') });
  if (!apiServerOnly) void runScheduler({ client: await clientAs('scheduler', 'system:kube-scheduler'), signal: stop.signal, log: logComponent, identity });
  // The service proxy programs this machine's iptables only where pods are real.
  let serviceProxy: ServiceProxy | undefined;
  let podRoutes: PodRoutes | undefined;
  let policyAgent: PolicyAgent | undefined;
  let clusterDns: RunningDnsServer | undefined;
  if (podNetwork) {
    serviceProxy = new ServiceProxy({ client: await clientAs('kube-proxy', 'system:kube-proxy'), nodeName: hostname().toLowerCase(), clusterCidr, log: logComponent });
    await serviceProxy.start(stop.signal);
    say('service proxy: iptables rules in sync');
    // Nodes that join from other machines get a route to their pods, via their InternalIP.
    podRoutes = new PodRoutes({ client: await clientAs('kube-proxy', 'system:kube-proxy'), nodeName: hostname().toLowerCase(), log: logComponent });
    await podRoutes.start(stop.signal);
    const policyClient = await clientAs('network-policy-agent', policyAgentUser);
    const nodeName = hostname().toLowerCase();
    policyAgent = new PolicyAgent({
      client: policyClient,
      nodeName,
      bridge: podNetwork.bridge,
      clusterDnsIP: podNetwork.gateway,
      recorder: createEventRecorder({ client: policyClient, component: 'a-kube-network-policy', host: nodeName, log: logComponent }),
      log: logComponent,
    });
    await policyAgent.start(stop.signal);
    say(policyAgent.bridgeNetfilter?.enabled === false ? 'network policies: enforced for traffic that leaves the node or reaches it, NOT between pods on this node (see the warning above)' : 'network policies: iptables rules in sync');
    if (policyAgent.ipsetProblem) say(`network policies: ipset does not work here (${policyAgent.ipsetProblem}), so the rules hold one line per pod address and grow with pods × peers; ${ipsetInstallHint}`);
    try {
      clusterDns = await startClusterDns({ client: await clientAs('kube-proxy', 'system:kube-proxy'), host: podNetwork.gateway, ownAddresses: [clusterDnsServiceIP], signal: stop.signal, log: logComponent });
      void runClusterDnsServiceController({ client: await clientAs('kube-dns-service-controller', clusterDnsServiceIdentity.user), address: podNetwork.gateway, signal: stop.signal, log: logComponent });
      say(`cluster DNS on ${podNetwork.gateway}:53 (Service kube-system/kube-dns ${clusterDnsServiceIP})`);
    } catch (e) {
      say(`cluster DNS not started: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  let containerdNode: ContainerdNode | undefined;
  if (!apiServerOnly && (opts.runtime ?? 'containerd') === 'containerd') {
    const name = hostname().toLowerCase();
    const { startContainerdNode } = await import('../kubelet/containerd-node.js');
    const serving = await kubeletServingCertificate(pki, name, [host]);
    containerdNode = await startContainerdNode({
      name,
      dataDir: opts.dataDir,
      client: await clientAs(`node-${name}`, `system:node:${name}`, ['system:nodes']),
      signal: stop.signal,
      log: logComponent,
      podCIDR: firstNodeBlock(clusterCidr),
      ...(nodeIP ? { hostIP: nodeIP } : {}),
      ...(clusterDns ? { clusterDns: { clusterDns: [clusterDnsServiceIP], clusterDomain: 'cluster.local' } } : {}),
      ...(opts.containerRuntimeEndpoint ? { endpoint: opts.containerRuntimeEndpoint } : {}),
      ...(opts.keepPods ? { keepPods: true } : {}),
      ...(opts.shutdownGracePeriods ? { shutdownGracePeriods: opts.shutdownGracePeriods } : {}),
      ...(opts.logRotation ? { logRotation: opts.logRotation } : {}),
      serve: async (nodeName, runtime, client, streaming, logDirectory) => {
        const server = await startLocalNodeServer({ nodeName, client, runtime, runtimeName: 'containerd', streaming, logDirectory, logPath: async (id) => (await runtime.containerStatus(id).catch(() => undefined))?.logPath, tls: { ...serving, clientCA: pki.ca.cert }, host, log: logComponent });
        nodeServers.push(server);
        localNodes.set(nodeName, { host, port: server.port });
        return server.port;
      },
    });
    await containerdNode.agent.ready;
    if (containerdNode.problem) say(`node ${name} is NotReady: ${containerdNode.problem}`);
    else say(`node ${name} (runtime containerd, CRI socket ${containerdNode.socket})`);
  } else if (!apiServerOnly && opts.runtime === 'fake') {
    const count = opts.nodes ?? 1;
    const serving = await kubeletServingCertificate(pki, hostname().toLowerCase(), [host]);
    await startFakeNodes({
      count,
      name: hostname().toLowerCase(),
      clientFor: (name) => clientAs(`node-${name}`, `system:node:${name}`, ['system:nodes']),
      signal: stop.signal,
      log: logComponent,
      serve: async (nodeName, runtime, client) => {
        const server = await startLocalNodeServer({ nodeName, client, runtime, runtimeName: 'fake', tls: { ...serving, clientCA: pki.ca.cert }, host, log: logComponent });
        nodeServers.push(server);
        localNodes.set(nodeName, { host, port: server.port });
        return server.port;
      },
    });
    say(`${count} simulated node${count === 1 ? '' : 's'} (runtime fake)`);
  }

  // Up means the controllers act: the service-account controller (which first gets its own token) has given the
  // default namespace its ServiceAccount, which every new pod there needs.
  if (!apiServerOnly) await waitForDefaultServiceAccount(adminClient, stop.signal, say);
  securePermissions(opts.dataDir);
  return {
    url,
    publishedUrl,
    kubeconfigPath,
    pki,
    apiserver,
    adminClient,
    ...(podNetwork ? { podNetwork } : {}),
    ...(nodeIP ? { nodeIP } : {}),
    async close() {
      stop.abort();
      reloader?.stop();
      // The node stops its pods (unless --keep-pods) before containerd and the API server go.
      await containerdNode?.close();
      await Promise.all(nodeServers.map((s) => s.close()));
      await policyAgent?.stop();
      await serviceProxy?.stop();
      await podRoutes?.stop();
      await clusterDns?.close();
      // Out of the kubernetes Service while this server still answers.
      await identityDone;
      adminClient.close();
      for (const c of componentClients) c.close();
      await apiserver.close();
      await audit.auditor.close();
      await storage.close();
      await podNetwork?.teardown();
      if (lastResortCleanup) process.off('exit', lastResortCleanup);
      dataDirLock.release();
    },
  };
}
