// The RBAC authorizer: allows when some rule of some binding applying to the user allows the request;
// never denies (no match → no opinion). The reason names the binding that allowed it.
import type { Attributes, Authorizer, Decision } from '../types.js';
import type { RbacIndex } from './rbac-index.js';
import { aggregateErrors, describeSource, visitRulesFor } from './rbac-resolver.js';
import { ruleAllows } from './rbac-rules.js';

export function rbacDecision(index: RbacIndex, attrs: Attributes): Decision {
  let reason = '';
  let allowed = false;
  const errors: string[] = [];
  visitRulesFor(index, attrs.user, attrs.namespace, (source, rule, error) => {
    if (source && rule && ruleAllows(attrs, rule)) {
      allowed = true;
      reason = `RBAC: allowed by ${describeSource(source)}`;
      return false;
    }
    if (error) errors.push(error);
    return true;
  });
  if (allowed) return { decision: 'allow', reason };
  return { decision: 'no-opinion', reason: errors.length > 0 ? `RBAC: ${aggregateErrors(errors)}` : '' };
}

export function rbacAuthorizer(index: RbacIndex): Authorizer {
  return {
    async authorize(attrs: Attributes): Promise<Decision> {
      return rbacDecision(index, attrs);
    },
  };
}
