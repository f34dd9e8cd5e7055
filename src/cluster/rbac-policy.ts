// Every ClusterRole and ClusterRoleBinding `a-kube up` creates at start: Kubernetes' bootstrap policy, the
// controllers' system:controller:* roles, and the roles of a-kube's own components. The cluster reconciles these
// on every start; `a-kubectl auth … --offline` evaluates the same list, so its answers match a new cluster's.
import type { KubeObject } from '../api/object.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, type ExtraPolicy } from '../auth/authz/bootstrap-policy.js';
import { controllerPolicy } from '../controllers/policy.js';
import { policyAgentRbac } from '../kubelet/network/policy/rbac.js';
import { nodeBootstrapPolicy } from '../auth/authz/node-bootstrap-policy.js';

/** What a-kube adds beside Kubernetes' bootstrap policy. */
export function componentPolicy(): ExtraPolicy {
  const controllers = controllerPolicy();
  const agent = policyAgentRbac();
  const join = nodeBootstrapPolicy();
  return { clusterRoles: [...controllers.clusterRoles, ...agent.clusterRoles, ...join.clusterRoles], clusterRoleBindings: [...controllers.clusterRoleBindings, ...agent.clusterRoleBindings, ...join.clusterRoleBindings] };
}

/** The whole start-up policy, as new objects (callers may change them). */
export function clusterStartPolicy(): { clusterRoles: KubeObject[]; clusterRoleBindings: KubeObject[] } {
  const extra = componentPolicy();
  return { clusterRoles: [...bootstrapClusterRoles(), ...extra.clusterRoles], clusterRoleBindings: [...bootstrapClusterRoleBindings(), ...extra.clusterRoleBindings] };
}
