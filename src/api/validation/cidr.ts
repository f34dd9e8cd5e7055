// CIDR blocks of either family as bit strings: parsing (as Go's net.ParseCIDR reads them) and containment.
import { isIPv4, isIPv6 } from 'node:net';

export interface AnyCidr {
  family: 4 | 6;
  /** The network address with host bits cleared. */
  network: bigint;
  prefix: number;
}

export const CIDR_FORMAT_ERROR = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';
export const IP_FORMAT_ERROR = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

function ipv4Bits(text: string): bigint {
  return text.split('.').reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n);
}

function ipv6Bits(text: string): bigint {
  let s = text;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4Bits(tail);
    s = `${s.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = s.split('::', 2);
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? 0 : 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...new Array<string>(zeros).fill('0'), ...restGroups];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** "10.0.0.0/8", "2001:db8::/32"; undefined when not a CIDR. Host bits are cleared. */
export function parseAnyCidr(text: string): AnyCidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = text.slice(0, slash);
  const bitsText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText)) return undefined;
  const prefix = Number(bitsText);
  let family: 4 | 6;
  let value: bigint;
  if (isIPv4(addr)) {
    family = 4;
    value = ipv4Bits(addr);
  } else if (isIPv6(addr) && !addr.includes('%')) {
    family = 6;
    value = ipv6Bits(addr);
  } else return undefined;
  const width = family === 4 ? 32 : 128;
  if (prefix > width) return undefined;
  const hostBits = BigInt(width - prefix);
  return { family, prefix, network: (value >> hostBits) << hostBits };
}

/** The inner block lies wholly inside the outer one and is strictly smaller. */
export function isStrictSubset(inner: AnyCidr, outer: AnyCidr): boolean {
  if (inner.family !== outer.family || inner.prefix <= outer.prefix) return false;
  const width = BigInt(inner.family === 4 ? 32 : 128);
  const shift = width - BigInt(outer.prefix);
  return inner.network >> shift === outer.network >> shift;
}
