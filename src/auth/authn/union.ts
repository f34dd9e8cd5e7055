// The authenticator chain: the first authenticator that accepts a credential decides.
// No credential at all → system:anonymous (when enabled); a bad credential → 401, never anonymous.
import type { Authenticator, AuthnRequest, AuthnResult, UserInfo } from '../types.js';

export const anonymousUser: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

export function unionAuthenticator(authenticators: Authenticator[], opts: { anonymous: boolean }): Authenticator {
  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResult> {
      // As kube-apiserver's union: a bad credential of one kind does not stop another kind from
      // authenticating (an invalid client certificate beside a valid token → the token's user); the
      // failures count only when nobody recognised the request.
      const failures: string[] = [];
      for (const a of authenticators) {
        const result = await a.authenticate(req);
        if (result.kind === 'ok') return { kind: 'ok', user: withAuthenticatedGroup(result.user) };
        if (result.kind === 'fail') failures.push(result.reason);
      }
      if (failures.length > 0) return { kind: 'fail', reason: failures.join(', ') };
      if (opts.anonymous) return { kind: 'ok', user: { ...anonymousUser, groups: [...anonymousUser.groups] } };
      return { kind: 'fail', reason: 'no credentials' };
    },
  };
}

/** Kubernetes' AuthenticatedGroupAdder. */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.name === 'system:anonymous') return user;
  if (user.groups.includes('system:authenticated') || user.groups.includes('system:unauthenticated')) return user;
  return { ...user, groups: [...user.groups, 'system:authenticated'] };
}
