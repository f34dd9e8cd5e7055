// Stage: may this user do this? Attributes are rebuilt from the request info and the user alone.
import type { Attributes, Authorizer, UserInfo } from '../auth/types.js';
import { forbiddenError } from './forbidden.js';
import type { RequestInfo } from './request-info.js';
import { errorResponse } from './responses.js';
import { errors } from '../api/status.js';
import type { Handler } from './types.js';

export function attributesFor(info: RequestInfo, user: UserInfo): Attributes {
  if (!info.isResourceRequest) {
    return { user, verb: info.verb, resourceRequest: false, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '', path: info.path };
  }
  return {
    user,
    verb: info.verb,
    resourceRequest: true,
    namespace: info.namespace,
    apiGroup: info.apiGroup,
    apiVersion: info.apiVersion,
    resource: info.resource,
    subresource: info.subresource,
    name: info.name,
    path: info.path,
  };
}

export function withAuthorization(next: Handler, authorizer: Authorizer): Handler {
  return async function authorize(req, ctx) {
    if (!ctx.user) return errorResponse(errors.internal(new Error('no user found for request')));
    const attrs = attributesFor(ctx.requestInfo, ctx.user);
    const decision = await authorizer.authorize(attrs);
    const allowed = decision.decision === 'allow';
    ctx.audit?.annotate('authorization.k8s.io/decision', allowed ? 'allow' : 'forbid');
    ctx.audit?.annotate('authorization.k8s.io/reason', decision.reason);
    if (allowed) return next(req, ctx);
    return errorResponse(forbiddenError(attrs, decision.reason));
  };
}
