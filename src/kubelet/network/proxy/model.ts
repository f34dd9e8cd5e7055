// What the service proxy programs, distilled from Services and EndpointSlices: one entry per service port
// with its endpoints. Pure functions over API objects, so the rule generator can be tested on plain data.
import type { KubeObject } from '../../../api/object.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface Endpoint {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  /** The endpoint runs on this node (for the traffic policies "Local"). */
  local: boolean;
}

export interface ServicePort {
  namespace: string;
  name: string;
  /** The Service's port name ('' when it has one unnamed port). */
  portName: string;
  protocol: Protocol;
  clusterIPs: string[];
  port: number;
  nodePort?: number;
  externalIPs: string[];
  /** ClientIP affinity timeout in seconds, when sessionAffinity is ClientIP. */
  affinitySeconds?: number;
  externalPolicyLocal: boolean;
  internalPolicyLocal: boolean;
  endpoints: Endpoint[];
}

/** "ns/name:port" (or "ns/name" for an unnamed port): kube-proxy's ServicePortName. */
export function servicePortName(sp: Pick<ServicePort, 'namespace' | 'name' | 'portName'>): string {
  return `${sp.namespace}/${sp.name}${sp.portName ? `:${sp.portName}` : ''}`;
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const ipv4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const isIPv4 = (s: string): boolean => ipv4.test(s) && s.split('.').every((p) => Number(p) <= 255);
const validPort = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 65536;
const protocolOf = (v: unknown): Protocol | undefined => (v === undefined || v === 'TCP' ? 'TCP' : v === 'UDP' || v === 'SCTP' ? v : undefined);

/** The service ports to program for one Service and the EndpointSlices labelled with its name. */
export function servicePorts(svc: KubeObject, slices: readonly KubeObject[], nodeName: string): ServicePort[] {
  const spec = rec(svc['spec']);
  const type = str(spec['type']) || 'ClusterIP';
  if (type === 'ExternalName') return [];
  const clusterIPs = (arr(spec['clusterIPs']).length ? arr(spec['clusterIPs']) : [spec['clusterIP']]).map(str).filter(isIPv4);
  // Headless Services (clusterIP None) have no virtual IP: DNS hands out the endpoints themselves.
  if (clusterIPs.length === 0) return [];
  const affinity = str(spec['sessionAffinity']) === 'ClientIP' ? (Number(rec(rec(spec['sessionAffinityConfig'])['clientIP'])['timeoutSeconds']) || 10800) : undefined;
  const namespace = svc.metadata.namespace ?? '';
  const name = svc.metadata.name ?? '';
  const out: ServicePort[] = [];
  for (const raw of arr(spec['ports'])) {
    const p = rec(raw);
    const protocol = protocolOf(p['protocol']);
    if (!protocol || !validPort(p['port'])) continue;
    const portName = str(p['name']);
    const endpoints: Endpoint[] = [];
    const seen = new Set<string>();
    for (const slice of slices) {
      if (str(slice['addressType']) !== 'IPv4') continue;
      const slicePort = arr(slice['ports']).map(rec).find((sp) => str(sp['name']) === portName && (protocolOf(sp['protocol']) ?? 'TCP') === protocol);
      if (!slicePort || !validPort(slicePort['port'])) continue;
      for (const e of arr(slice['endpoints']).map(rec)) {
        const c = rec(e['conditions']);
        // Unset conditions read as ready/serving (EndpointSlice API: nil means unknown, treat as ready).
        const ready = c['ready'] !== false;
        const serving = c['serving'] === undefined ? ready : c['serving'] !== false;
        const terminating = c['terminating'] === true;
        for (const ip of arr(e['addresses']).map(str)) {
          const key = `${ip}:${slicePort['port']}`;
          if (!isIPv4(ip) || seen.has(key)) continue;
          seen.add(key);
          endpoints.push({ ip, port: slicePort['port'], ready, serving, terminating, local: str(e['nodeName']) === nodeName });
        }
      }
    }
    endpoints.sort((a, b) => (a.ip === b.ip ? a.port - b.port : compareIPs(a.ip, b.ip)));
    const nodePort = (type === 'NodePort' || type === 'LoadBalancer') && validPort(p['nodePort']) ? p['nodePort'] : undefined;
    out.push({
      namespace,
      name,
      portName,
      protocol,
      clusterIPs,
      port: p['port'],
      ...(nodePort ? { nodePort } : {}),
      externalIPs: arr(spec['externalIPs']).map(str).filter(isIPv4),
      ...(affinity ? { affinitySeconds: Math.min(Math.max(1, affinity), 86400) } : {}),
      externalPolicyLocal: str(spec['externalTrafficPolicy']) === 'Local',
      internalPolicyLocal: str(spec['internalTrafficPolicy']) === 'Local',
      endpoints,
    });
  }
  return out;
}

function compareIPs(a: string, b: string): number {
  const na = a.split('.').reduce((n, p) => n * 256 + Number(p), 0);
  const nb = b.split('.').reduce((n, p) => n * 256 + Number(p), 0);
  return na - nb;
}

/**
 * The endpoints traffic may go to, as kube-proxy picks them: ready ones; when none is ready, those still
 * serving while terminating (so connections drain instead of failing).
 */
export function usableEndpoints(eps: readonly Endpoint[]): Endpoint[] {
  const ready = eps.filter((e) => e.ready);
  return ready.length > 0 ? ready : eps.filter((e) => e.serving && e.terminating);
}
