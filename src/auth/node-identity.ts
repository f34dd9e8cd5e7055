// Which node a credential speaks for: the user `system:node:<name>` in the group `system:nodes`, as the Node
// authorizer and NodeRestriction admission both read it.
import type { UserInfo } from './types.js';

const nodeUserPrefix = 'system:node:';
export const nodesGroup = 'system:nodes';
/** The namespace that holds one heartbeat Lease per node. */
export const nodeLeaseNamespace = 'kube-node-lease';

/** The node's name, or undefined when the user is not a node. */
export function nodeNameOfUser(user: Readonly<UserInfo>): string | undefined {
  if (!user.name.startsWith(nodeUserPrefix) || !user.groups.includes(nodesGroup)) return undefined;
  const node = user.name.slice(nodeUserPrefix.length);
  return node === '' ? undefined : node;
}
