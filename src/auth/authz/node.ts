// The Node authorizer (plugin/pkg/auth/authorizer/node), basic form: a kubelet (user system:node:<name>
// in group system:nodes) gets the system:node role's rules, except that secrets, configmaps, volume claims
// and service-account tokens are limited to those its own pods use, and node writes to its own Node.
import { isRecord, type KubeObject } from '../../api/object.js';
import { nodeLeaseNamespace, nodeNameOfUser } from '../node-identity.js';
import type { Attributes, Authorizer, Decision } from '../types.js';
import { ruleAllows } from './rbac-rules.js';
import type { PolicyRule } from './rbac-types.js';

const noOpinion: Decision = { decision: 'no-opinion', reason: '' };

export interface NodeGraph {
  /** The pods bound to the node (spec.nodeName). */
  podsOnNode(nodeName: string): Promise<readonly Readonly<KubeObject>[]>;
}

export function nodeNameOf(attrs: Attributes): string | undefined {
  return nodeNameOfUser(attrs.user);
}

function records(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function rec(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

/** Names of the objects of one kind a pod refers to. */
export function podReferences(pod: Readonly<KubeObject>): { secrets: Set<string>; configmaps: Set<string>; persistentvolumeclaims: Set<string>; serviceaccounts: Set<string> } {
  const spec = rec(pod['spec']);
  const secrets = new Set<string>();
  const configmaps = new Set<string>();
  const claims = new Set<string>();
  const add = (set: Set<string>, v: unknown) => void (typeof v === 'string' && v !== '' && set.add(v));
  for (const s of records(spec['imagePullSecrets'])) add(secrets, s['name']);
  for (const v of records(spec['volumes'])) {
    add(secrets, rec(v['secret'])['secretName']);
    add(configmaps, rec(v['configMap'])['name']);
    add(claims, rec(v['persistentVolumeClaim'])['claimName']);
    for (const src of records(rec(v['projected'])['sources'])) {
      add(secrets, rec(src['secret'])['name']);
      add(configmaps, rec(src['configMap'])['name']);
    }
  }
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of records(spec[key])) {
      for (const e of records(c['env'])) {
        const from = rec(e['valueFrom']);
        add(secrets, rec(from['secretKeyRef'])['name']);
        add(configmaps, rec(from['configMapKeyRef'])['name']);
      }
      for (const e of records(c['envFrom'])) {
        add(secrets, rec(e['secretRef'])['name']);
        add(configmaps, rec(e['configMapRef'])['name']);
      }
    }
  }
  const serviceaccounts = new Set<string>();
  add(serviceaccounts, spec['serviceAccountName']);
  return { secrets, configmaps, persistentvolumeclaims: claims, serviceaccounts };
}

const leaseVerbs = new Set(['get', 'create', 'update', 'patch', 'delete']);

/** A node reaches only its own heartbeat Lease; on create the name is not known yet (NodeRestriction checks it). */
function authorizeLease(node: string, attrs: Attributes): Decision {
  if (!leaseVerbs.has(attrs.verb)) return { decision: 'no-opinion', reason: 'can only get, create, update, patch, or delete a node lease' };
  if (attrs.namespace !== nodeLeaseNamespace) return { decision: 'no-opinion', reason: `can only access leases in the "${nodeLeaseNamespace}" system namespace` };
  if (attrs.verb !== 'create' && attrs.name !== node) return { decision: 'no-opinion', reason: 'can only access node lease with the same name as the requesting node' };
  return { decision: 'allow', reason: '' };
}

export function nodeAuthorizer(opts: { nodeRules: PolicyRule[]; graph: NodeGraph }): Authorizer {
  return {
    async authorize(attrs: Attributes): Promise<Decision> {
      const node = nodeNameOf(attrs);
      if (!node) return noOpinion;
      if (attrs.resourceRequest && attrs.apiGroup === 'coordination.k8s.io' && attrs.resource === 'leases') return authorizeLease(node, attrs);
      if (attrs.resourceRequest && attrs.apiGroup === '') {
        const graphKind = attrs.resource === 'serviceaccounts' && attrs.subresource === 'token' ? 'serviceaccounts' : attrs.subresource === '' ? attrs.resource : '';
        if (graphKind === 'secrets' || graphKind === 'configmaps' || graphKind === 'persistentvolumeclaims' || graphKind === 'serviceaccounts') {
          if (!attrs.name || (graphKind !== 'serviceaccounts' && attrs.verb !== 'get') || (graphKind === 'serviceaccounts' && attrs.verb !== 'create')) {
            return { decision: 'no-opinion', reason: `can only ${graphKind === 'serviceaccounts' ? 'create tokens for individual service accounts' : `get individual ${graphKind}`}` };
          }
          const pods = await opts.graph.podsOnNode(node);
          const related = pods.some((p) => p.metadata.namespace === attrs.namespace && podReferences(p)[graphKind].has(attrs.name));
          if (related) return { decision: 'allow', reason: '' };
          return { decision: 'no-opinion', reason: `no relationship found between node '${node}' and this object` };
        }
        if (attrs.resource === 'nodes' && attrs.name && attrs.name !== node && !['get', 'list', 'watch'].includes(attrs.verb)) {
          return { decision: 'no-opinion', reason: `node '${node}' cannot modify node '${attrs.name}'` };
        }
      }
      return opts.nodeRules.some((r) => ruleAllows(attrs, r)) ? { decision: 'allow', reason: '' } : noOpinion;
    },
  };
}
