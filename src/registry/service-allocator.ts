// ClusterIP and NodePort allocation for Services. The used set is recomputed from the other
// Services on every call (the watch cache is the source of truth; there is no separate bitmap).
import { isIPv4 } from 'node:net';
import type { KubeObject } from '../api/object.js';
import { field, type FieldError } from '../api/status.js';
import { asObj, num, objects, str, strings, type Obj } from './fields.js';

export interface ServiceAllocatorConfig {
  /** IPv4 CIDR, e.g. 10.96.0.0/12 */
  serviceCIDR: string;
  nodePortMin: number;
  nodePortMax: number;
  /** Random integer in [0, n). Injected so tests are deterministic. */
  random(n: number): number;
}

export const defaultAllocatorConfig: ServiceAllocatorConfig = {
  serviceCIDR: '10.96.0.0/12',
  nodePortMin: 30000,
  nodePortMax: 32767,
  random: (n) => Math.floor(Math.random() * n),
};

function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

interface Range {
  base: number;
  size: number;
}

export function parseCIDR(cidr: string): Range {
  const [ip = '', bitsText = '32'] = cidr.split('/');
  const bits = Number(bitsText);
  const size = 2 ** (32 - bits);
  return { base: Math.floor(ipToInt(ip) / size) * size, size };
}

/** The first usable address: what the `kubernetes` Service gets (10.96.0.1). */
export function firstServiceIP(cfg: ServiceAllocatorConfig = defaultAllocatorConfig): string {
  return intToIp(parseCIDR(cfg.serviceCIDR).base + 1);
}

export function needsClusterIP(svc: Obj): boolean {
  return str(asObj(svc.spec)?.type) !== 'ExternalName';
}

export function needsNodePorts(svc: Obj): boolean {
  const spec = asObj(svc.spec);
  const type = str(spec?.type);
  if (type === 'NodePort') return true;
  return type === 'LoadBalancer' && spec?.allocateLoadBalancerNodePorts !== false;
}

function sameObject(a: KubeObject, b: Readonly<KubeObject>): boolean {
  return a.metadata.namespace === b.metadata.namespace && a.metadata.name === b.metadata.name;
}

function usedBy(others: readonly Readonly<KubeObject>[]): { ips: Set<string>; nodePorts: Set<number> } {
  const ips = new Set<string>();
  const nodePorts = new Set<number>();
  for (const o of others) {
    const spec = asObj(o.spec);
    for (const ip of strings(spec?.clusterIPs)) ips.add(ip);
    if (str(spec?.clusterIP)) ips.add(str(spec?.clusterIP));
    for (const p of objects(spec?.ports)) if (num(p.nodePort)) nodePorts.add(num(p.nodePort) ?? 0);
  }
  return { ips, nodePorts };
}

function pickIP(range: Range, used: Set<string>, cfg: ServiceAllocatorConfig): string | undefined {
  // Offsets 0 (network) and size-1 (broadcast) are unusable; 1 is kept for the kubernetes Service.
  const first = 2;
  const count = range.size - 3;
  if (count <= 0) return undefined;
  const start = cfg.random(count);
  for (let i = 0; i < count; i++) {
    const ip = intToIp(range.base + first + ((start + i) % count));
    if (!used.has(ip)) return ip;
  }
  return undefined;
}

function pickNodePort(used: Set<number>, cfg: ServiceAllocatorConfig): number | undefined {
  const count = cfg.nodePortMax - cfg.nodePortMin + 1;
  const start = cfg.random(count);
  for (let i = 0; i < count; i++) {
    const port = cfg.nodePortMin + ((start + i) % count);
    if (!used.has(port)) return port;
  }
  return undefined;
}

function allocateClusterIP(spec: Obj, range: Range, used: Set<string>, cfg: ServiceAllocatorConfig): FieldError[] {
  const requested = str(spec.clusterIP) || (strings(spec.clusterIPs)[0] ?? '');
  if (requested === 'None') {
    spec.clusterIP = 'None';
    spec.clusterIPs = ['None'];
    return [];
  }
  if (requested === '') {
    const ip = pickIP(range, used, cfg);
    if (!ip) return [{ type: 'InternalError', field: 'spec.clusterIPs', detail: 'failed to allocate a serviceIP: range is full' }];
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
    return [];
  }
  const fail = (why: string): FieldError[] => [field.invalid('spec.clusterIPs', [requested], `failed to allocate IP ${requested}: ${why}`)];
  if (!isIPv4(requested)) return fail(`the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${cfg.serviceCIDR}`);
  const offset = ipToInt(requested) - range.base;
  if (offset <= 0 || offset >= range.size - 1) {
    return fail(`the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${cfg.serviceCIDR}`);
  }
  if (used.has(requested)) return fail('provided IP is already allocated');
  spec.clusterIP = requested;
  spec.clusterIPs = [requested];
  return [];
}

function allocateNodePorts(spec: Obj, used: Set<number>, cfg: ServiceAllocatorConfig): FieldError[] {
  const errs: FieldError[] = [];
  const taken = new Set(used);
  objects(spec.ports).forEach((port, i) => {
    const requested = num(port.nodePort) ?? 0;
    if (requested === 0) return;
    const path = `spec.ports[${i}].nodePort`;
    if (requested < cfg.nodePortMin || requested > cfg.nodePortMax) {
      errs.push(field.invalid(path, requested, `provided port is not in the valid range. The range of valid ports is ${cfg.nodePortMin}-${cfg.nodePortMax}`));
    } else if (used.has(requested)) {
      errs.push(field.invalid(path, requested, 'provided port is already allocated'));
    }
    taken.add(requested);
  });
  for (const port of objects(spec.ports)) {
    if ((num(port.nodePort) ?? 0) !== 0) continue;
    const picked = pickNodePort(taken, cfg);
    if (picked === undefined) {
      errs.push({ type: 'InternalError', field: 'spec.ports', detail: 'failed to allocate a nodePort: range is full' });
      break;
    }
    port.nodePort = picked;
    taken.add(picked);
  }
  return errs;
}

/**
 * Fills spec.clusterIP/clusterIPs and the nodePorts a Service needs, honouring requested values.
 * `others` are all current Services; the object itself (same namespace/name) is ignored, so an
 * update keeps what it already holds.
 */
export function allocateService(svc: KubeObject, others: readonly Readonly<KubeObject>[], cfg: ServiceAllocatorConfig = defaultAllocatorConfig): FieldError[] {
  const spec = asObj(svc.spec);
  if (!spec) return [];
  const used = usedBy(others.filter((o) => !sameObject(svc, o)));
  const errs: FieldError[] = [];
  if (needsClusterIP(svc)) errs.push(...allocateClusterIP(spec, parseCIDR(cfg.serviceCIDR), used.ips, cfg));
  if (needsNodePorts(svc)) errs.push(...allocateNodePorts(spec, used.nodePorts, cfg));
  return errs;
}
