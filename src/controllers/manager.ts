// The controller manager: every controller in one process, sharing one informer per resource, optionally
// behind a Lease so that of several managers only one acts (kube-controller-manager --leader-elect).
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { isAlreadyExists } from '../client/api-error.js';
import { SharedInformerFactory } from '../client/informer.js';
import { runLeaderElection } from '../client/leader-election.js';
import type { RestClient } from '../client/rest.js';
import { realClock, type Clock } from '../client/workqueue.js';
import { startDeploymentController } from './deployment/controller.js';
import { createEventRecorder } from '../client/control/events.js';
import { startEndpointsController } from './endpoints.js';
import { startGarbageCollector } from './garbage-collector.js';
import { startNamespaceController } from './namespace.js';
import { startNodeIpamController } from './node-ipam.js';
import { startReplicaSetController } from './replicaset.js';
import { startRootCAPublisher } from './root-ca-publisher.js';
import { startServiceAccountController } from './serviceaccount.js';
import { startWorkloadControllers } from './workloads.js';
import { startTokenController, type LegacyTokenSigner } from './token.js';
import type { ControllerContext } from '../client/control/types.js';

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
  /** --cluster-cidr: pod addresses, a /24 per node (default 10.244.0.0/16). */
  clusterCidr?: string;
}

function runAll(o: ControllerManagerOptions, signal: AbortSignal): Promise<unknown> {
  setMaxListeners(0, signal); // every informer, queue and worker listens for the stop
  const clock = o.clock ?? realClock;
  const log = o.log ?? (() => {});
  const factory = new SharedInformerFactory(o.client, { clock, log });
  const ctx = (component: string): ControllerContext => ({
    client: o.client,
    factory,
    recorder: createEventRecorder({ client: o.client, component, clock, log }),
    clock,
    signal,
    log,
  });
  // Controllers register their informers synchronously, then the factory starts them all at once.
  const running = [
    startNamespaceController(ctx('namespace-controller')),
    startServiceAccountController(ctx('service-account-controller')),
    startRootCAPublisher(ctx('root-ca-cert-publisher'), o.caPem),
    startReplicaSetController(ctx('replicaset-controller')),
    startDeploymentController(ctx('deployment-controller')),
    startGarbageCollector(ctx('garbage-collector-controller')),
    startEndpointsController(ctx('endpoint-controller')),
    startNodeIpamController(ctx('node-ipam-controller'), o.clusterCidr ? { clusterCidr: o.clusterCidr } : {}),
    ...startWorkloadControllers(ctx),
    ...(o.signLegacyToken ? [startTokenController(ctx('tokens-controller'), o.signLegacyToken, o.caPem)] : []),
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
    leaseDurationSeconds: 15,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    releaseOnCancel: true,
    signal: o.signal,
    ...(o.clock ? { clock: o.clock } : {}),
    onStartedLeading: async (leading) => {
      await runAll(o, leading);
    },
    onNewLeader: (id) => o.log?.(`controller manager: leader is ${id}`),
  });
}

/**
 * What the controller manager's own identity (system:kube-controller-manager) may do. Upstream runs each
 * controller under its own service account (system:controller:* roles); until the bootstrap policy has
 * those, this one role grants the manager the union of their permissions.
 */
export const controllerManagerRoleName = 'system:a-kube:controller-manager';

export async function ensureControllerManagerAccess(admin: Pick<RestClient, 'create'>, user = 'system:kube-controller-manager'): Promise<void> {
  const create = async (path: string, body: unknown) => {
    try {
      await admin.create(path, body);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  };
  const labels = { 'kubernetes.io/bootstrapping': 'a-kube' };
  await create('/apis/rbac.authorization.k8s.io/v1/clusterroles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: controllerManagerRoleName, labels },
    rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
  });
  await create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: controllerManagerRoleName, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: controllerManagerRoleName },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });
}
