// Privilege-escalation prevention for roles and bindings (pkg/registry/rbac/escalation_check.go and the
// policybased storages): a user may only grant what they hold, unless they may `escalate` (roles) or
// `bind` (bindings); system:masters skip the check.
import { isRecord, type KubeObject } from '../../api/object.js';
import { errors } from '../../api/status.js';
import type { AdmissionPlugin, AdmissionRequest } from '../../admission/types.js';
import type { Attributes, Authorizer, UserInfo } from '../types.js';
import { deepEqual } from '../../api/deep-equal.js';
import type { RbacIndex } from './rbac-index.js';
import { aggregateErrors, rulesFor } from './rbac-resolver.js';
import { compactRules, compactString, covers, goQuotedStrings } from './rbac-rules.js';
import { rulesOf, toBinding, type PolicyRule } from './rbac-types.js';

const rbacGroup = 'rbac.authorization.k8s.io';
const fullAuthority: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

export interface EscalationDeps {
  index: RbacIndex;
  /** The whole authorizer chain, for the `escalate` and `bind` checks. */
  authorizer: Authorizer;
}

function escalationAllowed(user: UserInfo): boolean {
  return user.groups.includes('system:masters');
}

function attrs(user: UserInfo, verb: string, resource: string, namespace: string, name: string): Attributes {
  return { user, verb, resourceRequest: true, namespace, apiGroup: rbacGroup, apiVersion: '', resource, subresource: '', name, path: '' };
}

/** ConfirmNoEscalation: the error text when `rules` are not all held by the user in `namespace`, else undefined. */
export function escalationError(index: RbacIndex, user: UserInfo, namespace: string, rules: PolicyRule[]): string | undefined {
  const owned = rulesFor(index, user, namespace);
  const { covered, missing } = covers(owned.rules, rules);
  if (covered) return undefined;
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.name)} (groups=${goQuotedStrings(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (owned.errors.length > 0) msg += `; resolution errors: [${aggregateErrors(owned.errors)}]`;
  return msg;
}

/** Only ownerReferences/finalizers changed (IsOnlyMutatingGCFields): the garbage collector needs no rights. */
function onlyGcFieldsChanged(obj: KubeObject, old: Readonly<KubeObject> | undefined): boolean {
  if (!old) return false;
  const strip = (o: Readonly<KubeObject>) => {
    const { ownerReferences: _o, finalizers: _f, resourceVersion: _r, managedFields: _m, generation: _g, ...meta } = o.metadata;
    return { ...o, metadata: meta };
  };
  return deepEqual(strip(obj), strip(old));
}

function hasAggregationRule(o: Readonly<KubeObject> | undefined): boolean {
  return !!o && isRecord(o['aggregationRule']);
}

export async function checkRoleWrite(deps: EscalationDeps, req: AdmissionRequest): Promise<void> {
  const user = req.user;
  const obj = req.object;
  const resource = req.resource.resource;
  const gr = { group: rbacGroup, resource };
  const name = obj.metadata.name ?? req.name;
  if (escalationAllowed(user) || onlyGcFieldsChanged(obj, req.oldObject)) return;
  const d = await deps.authorizer.authorize(attrs(user, 'escalate', resource, req.namespace, name));
  if (d.decision === 'allow') return;
  const problem = escalationError(deps.index, user, req.namespace, rulesOf(obj));
  if (problem) throw errors.forbidden(gr, name, problem);
  if (resource === 'clusterroles' && (hasAggregationRule(obj) || hasAggregationRule(req.oldObject))) {
    if (escalationError(deps.index, user, '', fullAuthority)) throw errors.forbidden(gr, name, 'must have cluster-admin privileges to use the aggregationRule');
  }
}

export async function checkBindingWrite(deps: EscalationDeps, req: AdmissionRequest): Promise<void> {
  const user = req.user;
  const obj = req.object;
  const gr = { group: rbacGroup, resource: req.resource.resource };
  const name = obj.metadata.name ?? req.name;
  if (escalationAllowed(user) || onlyGcFieldsChanged(obj, req.oldObject)) return;
  const binding = toBinding(obj);
  const roleResource = binding.roleRef.kind === 'ClusterRole' ? 'clusterroles' : 'roles';
  const d = await deps.authorizer.authorize(attrs(user, 'bind', roleResource, req.namespace, binding.roleRef.name));
  if (d.decision === 'allow') return;
  let rules: PolicyRule[];
  if (binding.roleRef.kind === 'ClusterRole') {
    const role = deps.index.getClusterRole(binding.roleRef.name);
    if (!role) throw errors.forbidden(gr, name, `clusterroles.${rbacGroup} ${JSON.stringify(binding.roleRef.name)} not found`);
    rules = role.rules;
  } else if (binding.roleRef.kind === 'Role') {
    const role = deps.index.getRole(req.namespace, binding.roleRef.name);
    if (!role) throw errors.forbidden(gr, name, `roles.${rbacGroup} ${JSON.stringify(binding.roleRef.name)} not found`);
    rules = role.rules;
  } else {
    throw errors.forbidden(gr, name, `unsupported role reference kind: ${JSON.stringify(binding.roleRef.kind)}`);
  }
  const problem = escalationError(deps.index, user, req.namespace, rules);
  if (problem) throw errors.forbidden(gr, name, problem);
}

/** The validating admission step for create/update of the four RBAC kinds. */
export function rbacEscalationPlugin(deps: EscalationDeps): AdmissionPlugin {
  return {
    name: 'RBACEscalation',
    handles: (req) => req.resource.group === rbacGroup && (req.operation === 'CREATE' || req.operation === 'UPDATE') && req.subresource === '',
    async validate(req) {
      switch (req.resource.resource) {
        case 'roles':
        case 'clusterroles':
          return checkRoleWrite(deps, req);
        case 'rolebindings':
        case 'clusterrolebindings':
          return checkBindingWrite(deps, req);
        default:
          return;
      }
    },
  };
}
