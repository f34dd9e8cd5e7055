// Stage: Impersonate-User/-Group/-Uid/-Extra-* headers, each allowed by the `impersonate` verb
// on users/groups/serviceaccounts/uids/userextras (k8s filters/impersonation.go).
import { setOwn } from '../api/own.js';
import { impersonatedUser } from '../auth/impersonated-user.js';
import { splitServiceAccountUsername } from '../auth/serviceaccount/claims.js';
import type { Attributes, Authorizer, UserInfo } from '../auth/types.js';
import { forbiddenError } from './forbidden.js';
import { errorResponse } from './responses.js';
import { errors } from '../api/status.js';
import { headerValue, headerValues, type Handler, type HeaderMap } from './types.js';

const extraPrefix = 'impersonate-extra-';

function impersonateAttrs(user: UserInfo, resource: string, name: string, extra: { group?: string; namespace?: string; subresource?: string } = {}): Attributes {
  return {
    user,
    verb: 'impersonate',
    resourceRequest: true,
    namespace: extra.namespace ?? '',
    apiGroup: extra.group ?? '',
    apiVersion: '',
    resource,
    subresource: extra.subresource ?? '',
    name,
    path: '',
  };
}

interface Requested {
  userName?: string;
  groups: string[];
  uid?: string;
  extra: Record<string, string[]>;
}

/** An extra key as sent, %-escaped (url.PathUnescape); a malformed escape is kept as sent, as kube-apiserver does. */
function unescapeExtraKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

function requested(headers: HeaderMap): Requested | undefined {
  // An empty Impersonate-User or Impersonate-Uid is no request at all.
  const userName = headerValue(headers, 'impersonate-user') || undefined;
  const groups = headerValues(headers, 'impersonate-group');
  const uid = headerValue(headers, 'impersonate-uid') || undefined;
  const extra = new Map<string, string[]>();
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(extraPrefix) || value === undefined) continue;
    const key = unescapeExtraKey(name.slice(extraPrefix.length));
    extra.set(key, [...(extra.get(key) ?? []), ...(Array.isArray(value) ? value : [value])]);
  }
  if (userName === undefined && groups.length === 0 && uid === undefined && extra.size === 0) return undefined;
  return { ...(userName !== undefined ? { userName } : {}), groups, ...(uid !== undefined ? { uid } : {}), extra: Object.fromEntries(extra) };
}

function withoutImpersonationHeaders(headers: HeaderMap): HeaderMap {
  const out: HeaderMap = {};
  for (const [k, v] of Object.entries(headers)) if (!k.startsWith('impersonate-')) setOwn(out, k, v);
  return out;
}

export function withImpersonation(next: Handler, authorizer: Authorizer): Handler {
  return async function impersonate(req, ctx) {
    const want = requested(req.headers);
    if (!want) return next(req, ctx);
    const actor = ctx.user;
    if (!actor) return errorResponse(errors.internal(new Error('no user found for request')));
    if (want.userName === undefined) {
      return errorResponse(errors.badRequest(`requested ${JSON.stringify({ groups: want.groups, uid: want.uid ?? '', extra: want.extra })} without impersonating a user`));
    }
    const checks: Attributes[] = [];
    const serviceAccount = splitServiceAccountUsername(want.userName);
    if (serviceAccount) checks.push(impersonateAttrs(actor, 'serviceaccounts', serviceAccount.name, { namespace: serviceAccount.namespace }));
    else checks.push(impersonateAttrs(actor, 'users', want.userName));
    for (const g of want.groups) checks.push(impersonateAttrs(actor, 'groups', g));
    if (want.uid !== undefined) checks.push(impersonateAttrs(actor, 'uids', want.uid, { group: 'authentication.k8s.io' }));
    for (const [key, values] of Object.entries(want.extra)) {
      for (const v of values) checks.push(impersonateAttrs(actor, 'userextras', v, { group: 'authentication.k8s.io', subresource: key }));
    }
    for (const attrs of checks) {
      const d = await authorizer.authorize(attrs);
      if (d.decision !== 'allow') return errorResponse(forbiddenError(attrs, d.reason));
    }
    const user: UserInfo = impersonatedUser(want.userName, want.groups, want.uid, want.extra);
    ctx.impersonator = actor;
    ctx.user = user;
    return next({ ...req, headers: withoutImpersonationHeaders(req.headers) }, ctx);
  };
}
