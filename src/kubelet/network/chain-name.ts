// Names for the iptables chains a-kube writes per object (a Service port, an endpoint, a pod's policy): a
// fixed prefix plus a short hash of what the chain stands for, so a name is stable across syncs and restarts
// and fits iptables' 28-character limit. Shared by the service proxy and the network-policy agent.
import { createHash } from 'node:crypto';

const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += base32Alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += base32Alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** kube-proxy's chain hash: the first 16 base32 characters of sha256(text). */
export function chainHash(text: string): string {
  return base32(createHash('sha256').update(text).digest()).slice(0, 16);
}
