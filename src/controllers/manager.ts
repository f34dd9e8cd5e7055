// The controller manager: every controller in one process, sharing one informer per resource, optionally
// behind a Lease so that of several managers only one acts (kube-controller-manager --leader-elect).
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { isNotFound } from '../client/api-error.js';
import { SharedInformerFactory } from '../client/informer.js';
import { defaultLeaderElection, runLeaderElection, type LeaderElectionTiming } from '../client/leader-election.js';
import type { RestClient } from '../client/rest.js';
import { realClock, type Clock } from '../client/workqueue.js';
import { startDeploymentController } from './deployment/controller.js';
import { createEventRecorder } from '../client/control/events.js';
import { startDisruptionController } from './disruption.js';
import { startEndpointsController } from './endpoints.js';
import { startGarbageCollector } from './garbage-collector.js';
import { startHpaController } from './hpa/controller.js';
import { startCsrSigningController, type CsrSigner } from './certificates/signer.js';
import { startCsrApprovingController } from './certificates/approver.js';
import { startBootstrapSigner } from './bootstrap/signer.js';
import { startTokenCleaner } from './bootstrap/token-cleaner.js';
import { startNamespaceController } from './namespace.js';
import { startNodeIpamController } from './node-ipam.js';
import { startNodeLifecycleController } from './node-lifecycle.js';
import { startPodGcController } from './podgc.js';
import { replicationControllerKind, startReplicaSetController } from './replicaset.js';
import { startResourceQuotaController } from './resourcequota.js';
import { startRootCAPublisher } from './root-ca-publisher.js';
import { startServiceAccountController } from './serviceaccount.js';
import { startWorkloadControllers } from './workloads.js';
import { startVolumeControllers } from './volume/controller.js';
import { startTokenController, type LegacyTokenSigner } from './token.js';
import type { ControllerClient, ControllerContext } from '../client/control/types.js';
import { serviceAccountCredentials } from '../client/control/service-account-credentials.js';
import { controllerNamespace, type ControllerAccount } from './policy.js';

export interface ControllerManagerOptions {
  client: RestClient;
  /** PEM of the cluster CA, published as kube-root-ca.crt. */
  caPem: string;
  signal: AbortSignal;
  log?: (line: string) => void;
  clock?: Clock;
  /** Signs legacy service-account tokens for the token controller (without it, that controller does not run). */
  signLegacyToken?: LegacyTokenSigner;
  /** Campaign for the kube-system/kube-controller-manager Lease first (default true). */
  leaderElect?: boolean;
  identity?: string;
  /** --leader-elect-lease-duration/-renew-deadline/-retry-period (defaults 15 s, 10 s, 2 s). */
  leaderElection?: LeaderElectionTiming;
  /** Signs approved CertificateSigningRequests of the built-in signers with the cluster CA (without it, no csrsigning). */
  csrSigner?: CsrSigner;
  /** --cluster-cidr: pod addresses, a /24 per node (default 10.244.0.0/16). */
  clusterCidr?: string;
  /**
   * Each controller acts as its own service account kube-system/<account> (kube-controller-manager
   * --use-service-account-credentials), allowed by the ClusterRole system:controller:<account> (policy.ts); the
   * manager's own identity only lists, watches, leads and mints those accounts' tokens. Without it every controller
   * uses `client`.
   */
  useServiceAccountCredentials?: boolean;
  /** DATA_DIR/local-path: where the a-kube.io/local-path provisioner keeps volumes (without it, it does not run). */
  localPathDir?: string;
  /** --cluster-signing-duration: the longest certificate the csrsigning controller issues (default one year). */
  clusterSigningDurationMs?: number;
  /** How long a node may go without renewing its Lease before it counts as unreachable (default 40 s). */
  nodeMonitorGracePeriodMs?: number;
  /** --terminated-pod-gc-threshold: terminated pods kept before the oldest are deleted (default 12500; 0 or less keeps all). */
  terminatedPodGcThreshold?: number;
}

function runAll(o: ControllerManagerOptions, signal: AbortSignal): Promise<unknown> {
  setMaxListeners(0, signal); // every informer, queue and worker listens for the stop
  const clock = o.clock ?? realClock;
  const log = o.log ?? (() => {});
  // Informers list and watch as the manager itself (system:kube-controller-manager may list and watch everything).
  const factory = new SharedInformerFactory(o.client, { clock, log });
  const credentials = o.useServiceAccountCredentials ? serviceAccountCredentials({ root: o.client, namespace: controllerNamespace, clock, signal, log }) : undefined;
  const context = (component: string, client: ControllerClient): ControllerContext => ({
    client,
    factory,
    recorder: createEventRecorder({ client, component, clock, log }),
    clock,
    signal,
    log,
  });
  /** A controller's context: its writes and events go out as kube-system/<account>, allowed by system:controller:<account>. */
  const ctx = (component: string, account: ControllerAccount): ControllerContext => context(component, credentials ? credentials.clientFor(account) : o.client);
  /** For what runs as the manager itself (the token controller mints the tokens the accounts start from). */
  const managerCtx = (component: string): ControllerContext => context(component, o.client);
  // Controllers register their informers synchronously, then the factory starts them all at once.
  const running = [
    startNamespaceController(ctx('namespace-controller', 'namespace-controller')),
    startServiceAccountController(ctx('service-account-controller', 'service-account-controller')),
    startRootCAPublisher(ctx('root-ca-cert-publisher', 'root-ca-cert-publisher'), o.caPem),
    startReplicaSetController(ctx('replicaset-controller', 'replicaset-controller')),
    startReplicaSetController(ctx('replication-controller', 'replication-controller'), replicationControllerKind),
    startResourceQuotaController(ctx('resourcequota-controller', 'resourcequota-controller')),
    startDeploymentController(ctx('deployment-controller', 'deployment-controller')),
    startGarbageCollector(ctx('garbage-collector-controller', 'generic-garbage-collector')),
    startEndpointsController(ctx('endpoint-controller', 'endpoint-controller'), ctx('endpointslice-controller', 'endpointslice-controller')),
    startDisruptionController(ctx('controllermanager', 'disruption-controller')),
    startNodeIpamController(ctx('node-ipam-controller', 'node-controller'), o.clusterCidr ? { clusterCidr: o.clusterCidr } : {}),
    startNodeLifecycleController(ctx('node-lifecycle-controller', 'node-controller'), o.nodeMonitorGracePeriodMs !== undefined ? { gracePeriodMs: o.nodeMonitorGracePeriodMs } : {}),
    startPodGcController(ctx('pod-garbage-collector', 'pod-garbage-collector'), o.terminatedPodGcThreshold !== undefined ? { terminatedPodThreshold: o.terminatedPodGcThreshold } : {}),
    ...startWorkloadControllers(ctx),
    ...startVolumeControllers(ctx, o.localPathDir ? { localPathDir: o.localPathDir } : {}),
    startHpaController(ctx('horizontal-pod-autoscaler', 'horizontal-pod-autoscaler')),
    ...(o.csrSigner ? [startCsrSigningController(ctx('csrsigning-controller', 'certificate-controller'), o.csrSigner, o.clusterSigningDurationMs ? { signingDurationMs: o.clusterSigningDurationMs } : {})] : []),
    ...(o.csrSigner ? [startCsrApprovingController(ctx('csrapproving-controller', 'certificate-controller'), (pem) => (o.csrSigner as CsrSigner).parse(pem))] : []),
    startBootstrapSigner(ctx('bootstrap-signer-controller', 'bootstrap-signer')),
    startTokenCleaner(ctx('token-cleaner-controller', 'token-cleaner')),
    ...(o.signLegacyToken ? [startTokenController(managerCtx('tokens-controller'), o.signLegacyToken, o.caPem)] : []),
  ];
  factory.start(signal);
  return Promise.all(running.map((p) => p.catch((e: unknown) => log(`controller stopped: ${e instanceof Error ? e.message : String(e)}`))));
}

/** Runs until the signal aborts. */
export async function runControllerManager(o: ControllerManagerOptions): Promise<void> {
  if (o.leaderElect === false) {
    await runAll(o, o.signal);
    return;
  }
  await runLeaderElection({
    client: o.client,
    namespace: 'kube-system',
    name: 'kube-controller-manager',
    identity: o.identity ?? `${hostname()}_${process.pid}_${Math.random().toString(16).slice(2, 10)}`,
    ...defaultLeaderElection,
    ...o.leaderElection,
    releaseOnCancel: true,
    signal: o.signal,
    ...(o.log ? { log: o.log } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
    onStartedLeading: async (leading) => {
      await runAll(o, leading);
    },
    onNewLeader: (id) => o.log?.(`controller manager: leader is ${id}`),
  });
}

/**
 * The ClusterRole (and its binding) that once granted the whole manager every verb on every resource; each
 * controller now has its own system:controller:<account> role (policy.ts), so a start removes it from clusters
 * that still have it.
 */
export const legacyControllerManagerRoleName = 'system:a-kube:controller-manager';

export async function removeLegacyControllerManagerRole(admin: Pick<RestClient, 'delete'>): Promise<void> {
  for (const kind of ['clusterrolebindings', 'clusterroles']) {
    try {
      await admin.delete(`/apis/rbac.authorization.k8s.io/v1/${kind}/${legacyControllerManagerRoleName}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}
