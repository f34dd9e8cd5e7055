// Who a request is once impersonation is granted (k8s filters/impersonation.go): a service account without
// requested groups gets its two service-account groups, and everyone gets system:authenticated (system:anonymous
// gets system:unauthenticated instead). The impersonation stage and `auth can-i --offline` share it.
import { splitServiceAccountUsername } from './serviceaccount/claims.js';
import type { UserInfo } from './types.js';

export function impersonatedUser(userName: string, requestedGroups: readonly string[], uid?: string, extra?: Record<string, string[]>): UserInfo {
  const groups = [...requestedGroups];
  const serviceAccount = splitServiceAccountUsername(userName);
  if (serviceAccount && groups.length === 0) groups.push('system:serviceaccounts', `system:serviceaccounts:${serviceAccount.namespace}`);
  if (userName === 'system:anonymous') {
    if (!groups.includes('system:unauthenticated')) groups.push('system:unauthenticated');
  } else if (!groups.includes('system:authenticated')) {
    groups.push('system:authenticated');
  }
  return { name: userName, groups, ...(uid !== undefined ? { uid } : {}), ...(extra && Object.keys(extra).length ? { extra } : {}) };
}
