// IPv4 addresses and CIDR blocks as numbers: parsing, formatting, subnetting.

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

const octet = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** The address as a number, or undefined when the text is not a dotted-quad IPv4 address. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => octet.test(p))) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function formatIPv4(v: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(v / 2 ** s) % 256).join('.');
}

/** Parses "a.b.c.d/n"; the host bits are cleared (10.244.3.7/24 → 10.244.3.0/24). */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseIPv4(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (addr === undefined || !/^\d{1,2}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: addr - (addr % size), prefix };
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

export function cidrContains(c: Cidr, addr: number): boolean {
  return addr >= c.base && addr < c.base + cidrSize(c);
}

/** The i-th subnet of length `prefix` inside `c` (undefined past the end). */
export function nthSubnet(c: Cidr, prefix: number, i: number): Cidr | undefined {
  if (prefix < c.prefix || prefix > 32 || i < 0) return undefined;
  const size = 2 ** (32 - prefix);
  if ((i + 1) * size > cidrSize(c)) return undefined;
  return { base: c.base + i * size, prefix };
}

/** The first usable host of a block (x.y.z.1 for a /24): the gateway of a pod bridge. */
export function gatewayOf(c: Cidr): string {
  return formatIPv4(c.base + 1);
}
