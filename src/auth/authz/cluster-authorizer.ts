// The authorizer chain of a cluster, in kube-apiserver's order for --authorization-mode=Node,RBAC: members of
// system:masters first, then the Node authorizer, then RBAC. The API server and a-kubectl's offline answers
// (`auth can-i --offline`) both build it here, so they decide with the same code.
import type { Authorizer } from '../types.js';
import { privilegedGroupsAuthorizer, unionAuthorizer } from './always-allow.js';
import { bootstrapClusterRoles } from './bootstrap-policy.js';
import type { NodeGraph } from './node-graph.js';
import { nodeAuthorizer } from './node.js';
import { rbacAuthorizer } from './rbac.js';
import type { RbacIndex } from './rbac-index.js';
import { rulesFor } from './rbac-resolver.js';
import { rulesOf, type PolicyRule } from './rbac-types.js';
import type { RulesResolver } from '../reviews/access-reviews.js';

export function clusterAuthorizer(index: RbacIndex, graph: NodeGraph): Authorizer {
  const nodeRole = bootstrapClusterRoles().find((r) => r.metadata.name === 'system:node');
  return unionAuthorizer([
    privilegedGroupsAuthorizer(['system:masters']),
    nodeAuthorizer({ nodeRules: nodeRole ? rulesOf(nodeRole) : [], graph }),
    rbacAuthorizer(index),
  ]);
}

const fullAuthority: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/** What a rules review lists for the same chain: everything for system:masters, then the RBAC rules. */
export function clusterRulesResolvers(index: RbacIndex): RulesResolver[] {
  return [
    { rulesFor: (user) => ({ rules: user.groups.includes('system:masters') ? fullAuthority : [], errors: [] }) },
    { rulesFor: (user, namespace) => rulesFor(index, user, namespace) },
  ];
}
