// The Node authorizer (plugin/pkg/auth/authorizer/node): a kubelet (user system:node:<name> in group system:nodes)
// gets the system:node role's rules, except that what it reads of secrets, configmaps, volume claims, volumes and
// volume attachments, and the service accounts it asks tokens for, must be related to a pod bound to it (the
// graph, node-graph.ts); its Lease is its own one in kube-node-lease, its CSINode the one named after it, and it
// writes only its own Node.
import { nodeLeaseNamespace, nodeNameOfUser } from '../node-identity.js';
import type { Attributes, Authorizer, Decision } from '../types.js';
import type { GraphKind } from './node-graph.js';
import { ruleAllows } from './rbac-rules.js';
import type { PolicyRule } from './rbac-types.js';

const noOpinion: Decision = { decision: 'no-opinion', reason: '' };
const allow: Decision = { decision: 'allow', reason: '' };
const deny = (reason: string): Decision => ({ decision: 'no-opinion', reason });

/** What the authorizer asks of the graph (NodeGraph answers it). */
export interface NodeRelations {
  hasPath(node: string, kind: GraphKind, namespace: string, name: string): boolean;
}

export function nodeNameOf(attrs: Attributes): string | undefined {
  return nodeNameOfUser(attrs.user);
}

function related(graph: NodeRelations, node: string, kind: GraphKind, attrs: Attributes): Decision {
  if (!attrs.name) return deny('No Object name found');
  return graph.hasPath(node, kind, attrs.namespace, attrs.name) ? allow : deny(`no relationship found between node '${node}' and this object`);
}

/** Secrets and configmaps: one named object at a time (get, or list/watch of metadata.name=<name>). */
function authorizeRead(graph: NodeRelations, node: string, kind: GraphKind, attrs: Attributes): Decision {
  if (!['get', 'list', 'watch'].includes(attrs.verb)) return deny('can only read resources of this type');
  if (attrs.subresource !== '') return deny('cannot read subresource');
  if (attrs.namespace === '') return deny('can only read namespaced object of this type');
  return related(graph, node, kind, attrs);
}

function authorizeGet(graph: NodeRelations, node: string, kind: GraphKind, attrs: Attributes): Decision {
  if (attrs.verb !== 'get') return deny('can only get individual resources of this type');
  if (attrs.subresource !== '') return deny('cannot get subresource');
  return related(graph, node, kind, attrs);
}

function authorizeStatusUpdate(graph: NodeRelations, node: string, kind: GraphKind, attrs: Attributes): Decision {
  if (attrs.verb !== 'update' && attrs.verb !== 'patch') return deny('can only get/update/patch this type');
  return related(graph, node, kind, attrs);
}

function authorizeCreateToken(graph: NodeRelations, node: string, attrs: Attributes): Decision {
  if (attrs.verb !== 'create' || !attrs.name) return deny('can only create tokens for individual service accounts');
  if (attrs.subresource !== 'token') return deny('can only create token subresource of serviceaccount');
  return related(graph, node, 'serviceaccounts', attrs);
}

const leaseVerbs = new Set(['get', 'create', 'update', 'patch', 'delete']);

/** A node reaches only its own heartbeat Lease; on create the name is not known yet (NodeRestriction checks it). */
function authorizeLease(node: string, attrs: Attributes): Decision {
  if (!leaseVerbs.has(attrs.verb)) return deny('can only get, create, update, patch, or delete a node lease');
  if (attrs.namespace !== nodeLeaseNamespace) return deny(`can only access leases in the "${nodeLeaseNamespace}" system namespace`);
  if (attrs.verb !== 'create' && attrs.name !== node) return deny('can only access node lease with the same name as the requesting node');
  return allow;
}

const csiNodeVerbs = new Set(['get', 'create', 'update', 'patch', 'delete']);

/** A node reaches only the CSINode named after it; on create the name is not known yet (NodeRestriction checks it). */
function authorizeCSINode(node: string, attrs: Attributes): Decision {
  if (!csiNodeVerbs.has(attrs.verb)) return deny('can only get, create, update, patch, or delete a CSINode');
  if (attrs.subresource !== '') return deny('cannot authorize CSINode subresources');
  if (attrs.verb !== 'create' && attrs.name !== node) return deny('can only access CSINode with the same name as the requesting node');
  return allow;
}

/** The graph's answer for the resources it decides, or undefined for the rest (left to the node rules). */
function decideByGraph(graph: NodeRelations, node: string, attrs: Attributes): Decision | undefined {
  if (attrs.apiGroup === 'coordination.k8s.io' && attrs.resource === 'leases') return authorizeLease(node, attrs);
  if (attrs.apiGroup === 'storage.k8s.io' && attrs.resource === 'volumeattachments') return authorizeGet(graph, node, 'volumeattachments', attrs);
  if (attrs.apiGroup === 'storage.k8s.io' && attrs.resource === 'csinodes') return authorizeCSINode(node, attrs);
  if (attrs.apiGroup !== '') return undefined;
  switch (attrs.resource) {
    case 'secrets':
    case 'configmaps':
      return authorizeRead(graph, node, attrs.resource, attrs);
    case 'persistentvolumeclaims':
      return attrs.subresource === 'status' ? authorizeStatusUpdate(graph, node, 'persistentvolumeclaims', attrs) : authorizeGet(graph, node, 'persistentvolumeclaims', attrs);
    case 'persistentvolumes':
      return authorizeGet(graph, node, 'persistentvolumes', attrs);
    case 'serviceaccounts':
      return authorizeCreateToken(graph, node, attrs);
    default:
      return undefined;
  }
}

export function nodeAuthorizer(opts: { nodeRules: PolicyRule[]; graph: NodeRelations }): Authorizer {
  return {
    async authorize(attrs: Attributes): Promise<Decision> {
      const node = nodeNameOf(attrs);
      if (!node) return noOpinion;
      if (attrs.resourceRequest) {
        const decided = decideByGraph(opts.graph, node, attrs);
        if (decided) return decided;
      }
      return opts.nodeRules.some((r) => ruleAllows(attrs, r)) ? allow : noOpinion;
    },
  };
}
