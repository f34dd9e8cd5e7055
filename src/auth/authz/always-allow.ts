// Authorizers that need no policy: AlwaysAllow (kube-apiserver's --authorization-mode=AlwaysAllow) and
// the privileged-groups authorizer that lets system:masters do everything, placed before RBAC.
import type { Attributes, Authorizer, Decision } from '../types.js';

export const alwaysAllow: Authorizer = {
  async authorize(): Promise<Decision> {
    return { decision: 'allow', reason: '' };
  },
};

export function privilegedGroupsAuthorizer(groups: string[] = ['system:masters']): Authorizer {
  return {
    async authorize(attrs: Attributes): Promise<Decision> {
      if (attrs.user.groups.some((g) => groups.includes(g))) return { decision: 'allow', reason: '' };
      return { decision: 'no-opinion', reason: '' };
    },
  };
}

/** Asks each authorizer in turn; the first allow or deny decides. Reasons of the others are joined with "\n". */
export function unionAuthorizer(authorizers: Authorizer[]): Authorizer {
  return {
    async authorize(attrs: Attributes): Promise<Decision> {
      const reasons: string[] = [];
      for (const a of authorizers) {
        const d = await a.authorize(attrs);
        if (d.decision !== 'no-opinion') return d;
        if (d.reason) reasons.push(d.reason);
      }
      return { decision: 'no-opinion', reason: reasons.join('\n') };
    },
  };
}
