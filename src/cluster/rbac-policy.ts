// Every RBAC object `a-kube up` creates at start: Kubernetes' bootstrap policy, the controllers' system:controller:*
// roles, the roles of a-kube's own components, and the Roles and RoleBindings in kube-system and kube-public. The cluster reconciles these
// on every start; `a-kubectl auth … --offline` evaluates the same list, so its answers match a new cluster's.
import type { KubeObject } from '../api/object.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles, type ExtraPolicy, type NamespacedPolicy } from '../auth/authz/bootstrap-policy.js';
import { controllerNamespacedPolicy, controllerPolicy } from '../controllers/policy.js';
import { policyAgentRbac } from '../kubelet/network/policy/rbac.js';
import { nodeBootstrapPolicy } from '../auth/authz/node-bootstrap-policy.js';
import { selfServicePolicy } from '../controllers/self-service-policy.js';
import { clusterDnsServiceIdentity } from '../controllers/cluster-dns-service.js';

/** What a-kube adds beside Kubernetes' bootstrap policy. */
export function componentPolicy(): ExtraPolicy {
  const controllers = controllerPolicy();
  const agent = policyAgentRbac();
  const join = nodeBootstrapPolicy();
  return { clusterRoles: [...controllers.clusterRoles, ...agent.clusterRoles, ...join.clusterRoles], clusterRoleBindings: [...controllers.clusterRoleBindings, ...agent.clusterRoleBindings, ...join.clusterRoleBindings] };
}

/** The Roles and RoleBindings of the system namespaces: the controllers', those nodes join with, the kube-dns loop's. */
export function namespacedStartPolicy(): NamespacedPolicy {
  const controllers = controllerNamespacedPolicy();
  const join = nodeBootstrapPolicy();
  const selfServices = selfServicePolicy([clusterDnsServiceIdentity]);
  return { roles: [...controllers.roles, ...join.roles, ...selfServices.roles], roleBindings: [...controllers.roleBindings, ...join.roleBindings, ...selfServices.roleBindings] };
}

/** The whole start-up policy, as new objects (callers may change them). */
export function clusterStartPolicy(): { clusterRoles: KubeObject[]; clusterRoleBindings: KubeObject[] } & NamespacedPolicy {
  const extra = componentPolicy();
  return { clusterRoles: [...bootstrapClusterRoles(), ...extra.clusterRoles], clusterRoleBindings: [...bootstrapClusterRoleBindings(), ...extra.clusterRoleBindings], ...namespacedStartPolicy() };
}
