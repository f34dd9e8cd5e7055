// Names for the iptables chains a-kube writes per object (a Service port, an endpoint, a pod's policy): a
// fixed prefix plus a short hash of what the chain stands for, so a name is stable across syncs and restarts
// and fits iptables' 28-character limit. Shared by the service proxy and the network-policy agent.
import { base32 } from '../../api/base32.js';
import { createHash } from 'node:crypto';

/** kube-proxy's chain hash: the first 16 base32 characters of sha256(text). */
export function chainHash(text: string): string {
  return base32(createHash('sha256').update(text).digest()).slice(0, 16);
}
