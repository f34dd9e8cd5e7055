// The network-policy agent's identity and the least it may do: read NetworkPolicies, Pods and Namespaces
// cluster-wide (a policy's peers may be anywhere) and write Events. Reconciled with the bootstrap policy.
// `a-kube up`'s node runs the agent as its own user; a node that joined runs it inside its node agent with the
// node's credentials, so the role is bound to the group system:nodes too (as the agents of Calico or Cilium read
// every policy, pod and namespace on every node).
import type { KubeObject } from '../../../api/object.js';

export const policyAgentUser = 'system:a-kube:network-policy-agent';
const nodePolicyAgentBinding = 'a-kube:node-network-policy-agent';

const meta = {
  name: policyAgentUser,
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
};

export function policyAgentRbac(): { clusterRoles: KubeObject[]; clusterRoleBindings: KubeObject[] } {
  return {
    clusterRoles: [{
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: structuredClone(meta),
      rules: [
        { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch', 'update'] },
      ],
    }],
    clusterRoleBindings: [{
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: structuredClone(meta),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: policyAgentUser },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: policyAgentUser }],
    }, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: nodePolicyAgentBinding },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: policyAgentUser },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:nodes' }],
    }],
  };
}
