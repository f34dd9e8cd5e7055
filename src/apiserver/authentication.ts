// Stage: who is calling. No credential → system:anonymous; a bad credential → 401 (never anonymous).
import type { Authenticator, UserInfo } from '../auth/types.js';
import { errors } from '../api/status.js';
import { errorResponse } from './responses.js';
import type { Handler } from './types.js';

export const anonymous: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

/** Kubernetes' AuthenticatedGroupAdder. */
export function addAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.name === anonymous.name) return user;
  if (user.groups.includes('system:authenticated') || user.groups.includes('system:unauthenticated')) return user;
  return { ...user, groups: [...user.groups, 'system:authenticated'] };
}

export function withAuthentication(next: Handler, authenticator: Authenticator): Handler {
  return async function authenticate(req, ctx) {
    // In-process (loopback) callers arrive with their user already set.
    if (ctx.user) return next(req, ctx);
    const result = await authenticator.authenticate({ headers: req.headers, ...(req.peerCertificates ? { peerCertificates: req.peerCertificates } : {}), warn: (text) => ctx.warnings.push(text) });
    switch (result.kind) {
      case 'fail':
        return errorResponse(errors.unauthorized());
      case 'skip':
        ctx.user = { ...anonymous, groups: [...anonymous.groups] };
        return next(req, ctx);
      case 'ok': {
        ctx.user = addAuthenticatedGroup(result.user);
        const { authorization: _dropped, ...headers } = req.headers;
        return next({ ...req, headers }, ctx);
      }
      default: {
        const no: never = result;
        throw new Error(String(no));
      }
    }
  };
}
