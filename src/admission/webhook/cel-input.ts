// The CEL view of an admission request (the `request` and `authorizer` variables of match conditions and
// policies) and the activation built from it. Values are converted once per call; objects keep only their own keys.
import type { KubeObject } from '../../api/object.js';
import { toCelValue } from '../../api/cel/admission.js';
import { authorizerFor, type Authorizer as CelAuthorizer } from '../../api/cel/authz.js';
import type { Authorizer } from '../../auth/types.js';
import type { AdmissionRequest } from '../types.js';

/** The `authorizer` of a request: checks for its user; `requestResource` is its resource in `version`. */
export function celAuthorizer(req: AdmissionRequest, authorizer: Authorizer, version: string): CelAuthorizer {
  const resource = { group: req.resource.group, version, resource: req.resource.resource, subresource: req.subresource, namespace: req.namespace, name: req.name };
  return authorizerFor((attrs) => authorizer.authorize(attrs), req.user, resource);
}

export function celRequest(req: AdmissionRequest): Record<string, unknown> {
  return {
    kind: { group: req.resource.group, version: req.resource.version, kind: req.resource.kind },
    resource: { group: req.resource.group, version: req.resource.version, resource: req.resource.resource },
    subResource: req.subresource,
    requestKind: { group: req.resource.group, version: req.resource.version, kind: req.resource.kind },
    requestResource: { group: req.resource.group, version: req.resource.version, resource: req.resource.resource },
    requestSubResource: req.subresource,
    name: req.name,
    namespace: req.namespace,
    operation: req.operation,
    userInfo: { username: req.user.name, uid: req.user.uid ?? '', groups: req.user.groups, extra: req.user.extra ?? {} },
    dryRun: req.dryRun,
  };
}

export function celActivation(object: KubeObject | null, oldObject: KubeObject | null, request: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {
    object: object === null ? null : toCelValue(object),
    oldObject: oldObject === null ? null : toCelValue(oldObject),
    request: toCelValue(request),
  };
  for (const [k, v] of Object.entries(extra)) out[k] = v;
  return out;
}
