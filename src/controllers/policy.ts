// Who each controller is, and what it may do: Kubernetes runs every controller of kube-controller-manager under its
// own service account kube-system/<account> (--use-service-account-credentials), bound by the ClusterRoleBinding
// system:controller:<account> to the ClusterRole system:controller:<account>. The rules below are those of the
// Kubernetes bootstrap policy (controller roles of v1.32), kept as data; a-kube creates and reconciles them at start
// with the rest of the bootstrap policy.
//
// A new controller: add its account and rules here (upstream's, when Kubernetes has the controller), then start it
// in manager.ts with `ctx('<component>', '<account>')`. The account type below makes the second step fail to
// compile without the first.
import type { KubeObject } from '../api/object.js';

export interface ControllerRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

function rule(apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): ControllerRule {
  return { apiGroups, resources, verbs, ...(resourceNames ? { resourceNames } : {}) };
}

const core = [''];
const apps = ['apps', 'extensions'];
const read = ['get', 'list', 'watch'];
/** Every controller that records events may write them. */
const events = rule(['', 'events.k8s.io'], ['events'], ['create', 'patch', 'update']);

export const controllerRoles = {
  'attachdetach-controller': [
    rule(core, ['persistentvolumeclaims', 'persistentvolumes'], ['list', 'watch']),
    rule(core, ['nodes'], read),
    rule(core, ['nodes/status'], ['patch', 'update']),
    rule(core, ['pods'], ['list', 'watch']),
    events,
    rule(['storage.k8s.io'], ['volumeattachments'], ['create', 'delete', 'get', 'list', 'watch']),
    rule(['storage.k8s.io'], ['csidrivers'], read),
    rule(['storage.k8s.io'], ['csinodes'], read),
  ],
  'certificate-controller': [
    rule(['certificates.k8s.io'], ['certificatesigningrequests'], ['delete', 'get', 'list', 'watch']),
    rule(['certificates.k8s.io'], ['certificatesigningrequests/approval', 'certificatesigningrequests/status'], ['update']),
    rule(['certificates.k8s.io'], ['signers'], ['approve'], ['kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving']),
    rule(core, ['nodes'], ['list', 'watch']),
    rule(['certificates.k8s.io'], ['signers'], ['sign'], ['kubernetes.io/kube-apiserver-client', 'kubernetes.io/kube-apiserver-client-kubelet', 'kubernetes.io/kubelet-serving', 'kubernetes.io/legacy-unknown']),
    rule(['authorization.k8s.io'], ['subjectaccessreviews'], ['create']),
    events,
  ],
  'clusterrole-aggregation-controller': [rule(['rbac.authorization.k8s.io'], ['clusterroles'], ['escalate', 'get', 'list', 'patch', 'update', 'watch'])],
  'cronjob-controller': [
    rule(['batch'], ['cronjobs'], ['get', 'list', 'update', 'watch']),
    rule(['batch'], ['jobs'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    rule(['batch'], ['cronjobs/status'], ['update']),
    rule(['batch'], ['cronjobs/finalizers'], ['update']),
    rule(core, ['pods'], ['delete', 'list', 'watch']),
    events,
  ],
  'daemon-set-controller': [
    rule(apps, ['daemonsets'], read),
    rule(apps, ['daemonsets/status'], ['update']),
    rule(apps, ['daemonsets/finalizers'], ['update']),
    rule(core, ['nodes'], ['list', 'watch']),
    rule(core, ['pods'], ['create', 'delete', 'list', 'patch', 'watch']),
    rule(core, ['pods/binding'], ['create']),
    rule(['apps'], ['controllerrevisions'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    events,
  ],
  'deployment-controller': [
    rule(apps, ['deployments'], ['get', 'list', 'update', 'watch']),
    rule(apps, ['deployments/status'], ['update']),
    rule(apps, ['deployments/finalizers'], ['update']),
    rule(apps, ['replicasets'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    rule(core, ['pods'], ['get', 'list', 'update', 'watch']),
    events,
  ],
  'disruption-controller': [
    rule(apps, ['deployments'], read),
    rule(apps, ['replicasets'], read),
    rule(core, ['replicationcontrollers'], read),
    rule(['policy'], ['poddisruptionbudgets'], read),
    rule(['apps'], ['statefulsets'], read),
    rule(['policy'], ['poddisruptionbudgets/status'], ['update']),
    rule(core, ['pods/status'], ['patch', 'update']),
    rule(['*'], ['*/scale'], ['get']),
    events,
  ],
  'endpoint-controller': [
    rule(core, ['pods', 'services'], read),
    rule(core, ['endpoints'], ['create', 'delete', 'get', 'list', 'update', 'watch']),
    rule(core, ['endpoints/restricted'], ['create']),
    events,
  ],
  'endpointslice-controller': [
    rule(core, ['nodes', 'pods', 'services'], read),
    rule(core, ['services/finalizers'], ['update']),
    rule(['discovery.k8s.io'], ['endpointslices'], ['create', 'delete', 'get', 'list', 'update', 'watch']),
    events,
  ],
  'endpointslicemirroring-controller': [
    rule(core, ['endpoints', 'services'], read),
    rule(core, ['services/finalizers'], ['update']),
    rule(core, ['endpoints/finalizers'], ['update']),
    rule(['discovery.k8s.io'], ['endpointslices'], ['create', 'delete', 'get', 'list', 'update', 'watch']),
    events,
  ],
  'ephemeral-volume-controller': [
    rule(core, ['pods'], read),
    rule(core, ['pods/finalizers'], ['update']),
    rule(core, ['persistentvolumeclaims'], ['create', 'get', 'list', 'watch']),
    events,
  ],
  'expand-controller': [
    rule(core, ['persistentvolumes'], ['get', 'list', 'patch', 'update', 'watch']),
    rule(core, ['persistentvolumeclaims/status'], ['patch', 'update']),
    rule(core, ['persistentvolumeclaims'], read),
    events,
  ],
  'generic-garbage-collector': [rule(['*'], ['*'], ['delete', 'get', 'list', 'patch', 'update', 'watch']), events],
  'horizontal-pod-autoscaler': [
    rule(['autoscaling'], ['horizontalpodautoscalers'], read),
    rule(['autoscaling'], ['horizontalpodautoscalers/status'], ['update']),
    rule(['*'], ['*/scale'], ['get', 'update']),
    rule(core, ['pods'], ['list', 'watch']),
    rule(['metrics.k8s.io'], ['pods'], ['list', 'watch']),
    rule(['custom.metrics.k8s.io'], ['*'], read),
    rule(['external.metrics.k8s.io'], ['*'], read),
    events,
  ],
  'job-controller': [
    rule(['batch'], ['jobs'], ['get', 'list', 'patch', 'update', 'watch']),
    rule(['batch'], ['jobs/status'], ['update']),
    rule(['batch'], ['jobs/finalizers'], ['update']),
    rule(core, ['pods'], ['create', 'delete', 'list', 'patch', 'watch']),
    events,
  ],
  'legacy-service-account-token-cleaner': [
    rule(core, ['configmaps'], ['get'], ['kube-apiserver-legacy-service-account-token-tracking']),
    rule(core, ['secrets'], ['delete', 'patch']),
  ],
  'namespace-controller': [
    rule(core, ['namespaces'], ['delete', 'get', 'list', 'watch']),
    rule(core, ['namespaces/finalize', 'namespaces/status'], ['update']),
    rule(['*'], ['*'], ['delete', 'deletecollection', 'get', 'list', 'watch']),
  ],
  'node-controller': [
    rule(core, ['nodes'], ['delete', 'get', 'list', 'patch', 'update', 'watch']),
    rule(core, ['nodes/status'], ['patch', 'update']),
    rule(core, ['pods/status'], ['patch', 'update']),
    rule(core, ['pods'], ['delete', 'get', 'list', 'watch']),
    events,
  ],
  'persistent-volume-binder': [
    rule(core, ['persistentvolumes'], ['create', 'delete', 'get', 'list', 'update', 'watch']),
    rule(core, ['persistentvolumes/status'], ['update']),
    rule(core, ['persistentvolumeclaims'], ['get', 'list', 'update', 'watch']),
    rule(core, ['persistentvolumeclaims/status'], ['update']),
    rule(core, ['pods'], ['create', 'delete', 'get', 'list', 'watch']),
    rule(['storage.k8s.io'], ['storageclasses'], read),
    rule(core, ['nodes'], ['list', 'watch']),
    events,
    rule(core, ['events'], ['watch']),
  ],
  'pod-garbage-collector': [
    rule(core, ['pods'], ['delete', 'list', 'watch']),
    rule(core, ['nodes'], read),
    rule(core, ['pods/status'], ['patch']),
  ],
  'pv-protection-controller': [rule(core, ['persistentvolumes'], ['get', 'list', 'update', 'watch']), events],
  'pvc-protection-controller': [
    rule(core, ['persistentvolumeclaims'], ['get', 'list', 'update', 'watch']),
    rule(core, ['persistentvolumeclaims/status'], ['update']),
    rule(core, ['pods'], read),
    events,
  ],
  'replicaset-controller': [
    rule(apps, ['replicasets'], ['get', 'list', 'update', 'watch']),
    rule(apps, ['replicasets/status'], ['update']),
    rule(apps, ['replicasets/finalizers'], ['update']),
    rule(core, ['pods'], ['create', 'delete', 'list', 'patch', 'watch']),
    events,
  ],
  'replication-controller': [
    rule(core, ['replicationcontrollers'], ['get', 'list', 'update', 'watch']),
    rule(core, ['replicationcontrollers/status'], ['update']),
    rule(core, ['replicationcontrollers/finalizers'], ['update']),
    rule(core, ['pods'], ['create', 'delete', 'list', 'patch', 'watch']),
    events,
  ],
  'resourcequota-controller': [rule(['*'], ['*'], ['list', 'watch']), rule(core, ['resourcequotas/status'], ['update']), events],
  'root-ca-cert-publisher': [rule(core, ['configmaps'], ['create', 'update']), events],
  'route-controller': [rule(core, ['nodes'], ['list', 'watch']), rule(core, ['nodes/status'], ['patch']), events],
  'service-account-controller': [rule(core, ['serviceaccounts'], ['create']), events],
  'service-controller': [
    rule(core, ['services'], read),
    rule(core, ['services/status'], ['patch', 'update']),
    rule(core, ['nodes'], ['list', 'watch']),
    events,
  ],
  'statefulset-controller': [
    rule(core, ['pods'], ['list', 'watch']),
    rule(['apps'], ['statefulsets'], read),
    rule(['apps'], ['statefulsets/status'], ['update']),
    rule(['apps'], ['statefulsets/finalizers'], ['update']),
    rule(core, ['pods'], ['create', 'delete', 'get', 'patch', 'update']),
    rule(['apps'], ['controllerrevisions'], ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']),
    rule(core, ['persistentvolumeclaims'], ['create', 'get', 'list', 'watch']),
    rule(core, ['persistentvolumeclaims'], ['delete', 'update']),
    rule(core, ['pods/finalizers'], ['update']),
    events,
  ],
  'ttl-after-finished-controller': [rule(['batch'], ['jobs'], ['delete', 'get', 'list', 'watch']), events],
  'ttl-controller': [rule(core, ['nodes'], ['list', 'patch', 'update', 'watch']), events],
} satisfies Record<string, ControllerRule[]>;

/**
 * Controllers whose rights upstream grants by Roles in single namespaces (namespace_policy.go): the Role and the
 * RoleBinding are named system:controller:<account> in each namespace listed, the subject is kube-system/<account>.
 */
export const controllerNamespacedRoles = {
  'bootstrap-signer': {
    'kube-system': [rule(core, ['secrets'], read)],
    'kube-public': [rule(core, ['configmaps'], read), rule(core, ['configmaps'], ['update'], ['cluster-info']), events],
  },
  'token-cleaner': {
    'kube-system': [rule(core, ['secrets'], ['delete', 'get', 'list', 'watch']), events],
  },
} satisfies Record<string, Record<string, ControllerRule[]>>;

/** A controller's service account in kube-system; its role and binding are system:controller:<account>. */
export type ControllerAccount = keyof typeof controllerRoles | keyof typeof controllerNamespacedRoles;

export const controllerNamespace = 'kube-system';
export const controllerRolePrefix = 'system:controller:';

export function controllerUserName(account: ControllerAccount): string {
  return `system:serviceaccount:${controllerNamespace}:${account}`;
}

const rbacVersion = 'rbac.authorization.k8s.io/v1';
const bootstrapMeta = (name: string) => ({
  name,
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
});

/** The system:controller:* ClusterRoles and their ClusterRoleBindings, as the bootstrap policy has them. */
export function controllerPolicy(): { clusterRoles: KubeObject[]; clusterRoleBindings: KubeObject[] } {
  const accounts = Object.keys(controllerRoles) as (keyof typeof controllerRoles)[];
  return {
    clusterRoles: accounts.map((a) => ({ apiVersion: rbacVersion, kind: 'ClusterRole', metadata: bootstrapMeta(`${controllerRolePrefix}${a}`), rules: structuredClone(controllerRoles[a]) })),
    clusterRoleBindings: accounts.map((a) => ({
      apiVersion: rbacVersion,
      kind: 'ClusterRoleBinding',
      metadata: bootstrapMeta(`${controllerRolePrefix}${a}`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${controllerRolePrefix}${a}` },
      subjects: [{ kind: 'ServiceAccount', name: a, namespace: controllerNamespace }],
    })),
  };
}

/** The namespaced system:controller:* Roles and RoleBindings (bootstrap signer, token cleaner). */
export function controllerNamespacedPolicy(): { roles: KubeObject[]; roleBindings: KubeObject[] } {
  const roles: KubeObject[] = [];
  const roleBindings: KubeObject[] = [];
  for (const [account, perNamespace] of Object.entries(controllerNamespacedRoles)) {
    for (const [namespace, rules] of Object.entries(perNamespace as Record<string, ControllerRule[]>)) {
      const name = `${controllerRolePrefix}${account}`;
      roles.push({ apiVersion: rbacVersion, kind: 'Role', metadata: { ...bootstrapMeta(name), namespace }, rules: structuredClone(rules) });
      roleBindings.push({
        apiVersion: rbacVersion,
        kind: 'RoleBinding',
        metadata: { ...bootstrapMeta(name), namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name: account, namespace: controllerNamespace }],
      });
    }
  }
  return { roles, roleBindings };
}
