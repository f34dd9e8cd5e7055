// Cluster DNS answers, as CoreDNS's kubernetes plugin gives them, from the informer caches alone:
//   NAME.NS.svc.ZONE            A: the cluster IP; headless: every ready endpoint; ExternalName: CNAME
//   HOST.NAME.NS.svc.ZONE       A: the headless endpoint with that hostname (or dashed address)
//   _PORT._PROTO.NAME.NS.svc.ZONE  SRV per named port (headless: per endpoint)
//   A-B-C-D.NS.pod.ZONE         A: the address itself
//   D.C.B.A.in-addr.arpa        PTR for cluster IPs and headless endpoints
// Names inside the zone that match nothing are NXDOMAIN (with the SOA); names outside it go upstream.
import type { KubeObject } from '../../../api/object.js';

export const recordTtl = 5;

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'NOTIMP' | 'FORMERR';

export type Record =
  | { type: 'A'; name: string; data: string }
  | { type: 'CNAME' | 'PTR'; name: string; data: string }
  | { type: 'SRV'; name: string; data: { priority: number; weight: number; port: number; target: string } }
  | { type: 'SOA'; name: string; data: { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number } };

export type Lookup =
  | { kind: 'answer'; rcode: Rcode; answers: Record[]; additionals: Record[]; authorities: Record[] }
  /** Not ours: pass the query to the upstream resolvers. */
  | { kind: 'forward' };

/** What the answers are computed from (fed by informers; a plain fake in tests). */
export interface DnsSource {
  service(namespace: string, name: string): KubeObject | undefined;
  /** EndpointSlices labelled kubernetes.io/service-name=name in the namespace. */
  slices(namespace: string, name: string): KubeObject[];
  /** Services whose cluster IP is `ip`. */
  servicesByClusterIP(ip: string): KubeObject[];
  /** EndpointSlices with an endpoint address `ip`. */
  slicesByAddress(ip: string): KubeObject[];
}

type Rec = globalThis.Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const isIPv4 = (s: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(s) && s.split('.').every((p) => Number(p) <= 255);

export interface ZoneOptions {
  zone: string;
  serial: () => number;
}

export function soaRecord(o: ZoneOptions): Record {
  return { type: 'SOA', name: o.zone, data: { mname: `ns.dns.${o.zone}`, rname: `hostmaster.${o.zone}`, serial: o.serial(), refresh: 7200, retry: 1800, expire: 86400, minimum: recordTtl } };
}

interface Endpoint {
  ip: string;
  hostname: string;
}

function readyEndpoints(slices: readonly KubeObject[]): Endpoint[] {
  const out: Endpoint[] = [];
  const seen = new Set<string>();
  for (const s of slices) {
    if (str(s['addressType']) !== 'IPv4') continue;
    for (const e of arr(s['endpoints']).map(rec)) {
      if (rec(e['conditions'])['ready'] === false) continue;
      for (const ip of arr(e['addresses']).map(str)) {
        if (!isIPv4(ip) || seen.has(ip)) continue;
        seen.add(ip);
        out.push({ ip, hostname: str(e['hostname']).toLowerCase() });
      }
    }
  }
  return out;
}

const dashed = (ip: string) => ip.replace(/\./g, '-');
const endpointLabel = (e: Endpoint) => e.hostname || dashed(e.ip);

function specOf(svc: KubeObject): Rec {
  return rec(svc['spec']);
}

function isHeadless(svc: KubeObject): boolean {
  return str(specOf(svc)['clusterIP']) === 'None';
}

function clusterIPs(svc: KubeObject): string[] {
  const spec = specOf(svc);
  const ips = arr(spec['clusterIPs']).length ? arr(spec['clusterIPs']) : [spec['clusterIP']];
  return ips.map(str).filter(isIPv4);
}

interface Port {
  name: string;
  protocol: string;
  port: number;
}

function servicePorts(svc: KubeObject): Port[] {
  return arr(specOf(svc)['ports'])
    .map(rec)
    .map((p) => ({ name: str(p['name']).toLowerCase(), protocol: (str(p['protocol']) || 'TCP').toLowerCase(), port: Number(p['port']) }))
    .filter((p) => Number.isInteger(p.port) && p.port > 0);
}

/** Endpoint ports of a headless Service, from its slices (name and protocol as the Service's port). */
function slicePort(slices: readonly KubeObject[], name: string, protocol: string): number | undefined {
  for (const s of slices) {
    for (const p of arr(s['ports']).map(rec)) {
      if (str(p['name']).toLowerCase() === name && (str(p['protocol']) || 'TCP').toLowerCase() === protocol && typeof p['port'] === 'number') return p['port'];
    }
  }
  return undefined;
}

const answer = (answers: Record[], additionals: Record[] = []): Lookup => ({ kind: 'answer', rcode: 'NOERROR', answers, additionals, authorities: [] });

/**
 * Answers one question. `qname` is the name as asked (answers repeat it); matching ignores case.
 * Only A, AAAA, SRV, PTR, CNAME, ANY and TXT questions reach here; other types get NODATA inside the zone.
 */
export function lookup(src: DnsSource, qname: string, qtype: string, o: ZoneOptions): Lookup {
  const name = qname.toLowerCase().replace(/\.$/, '');
  const zone = o.zone.toLowerCase();
  if (name.endsWith('.in-addr.arpa')) return reverse(src, qname, name, qtype, o);
  if (name !== zone && !name.endsWith(`.${zone}`)) return { kind: 'forward' };
  const nx: Lookup = { kind: 'answer', rcode: 'NXDOMAIN', answers: [], additionals: [], authorities: [soaRecord(o)] };
  const nodata: Lookup = { kind: 'answer', rcode: 'NOERROR', answers: [], additionals: [], authorities: [soaRecord(o)] };
  const labels = name === zone ? [] : name.slice(0, -(zone.length + 1)).split('.');
  // The zone apex and the svc/pod subdomains exist (as empty non-terminals).
  if (labels.length === 0) return qtype === 'SOA' ? answer([{ ...soaRecord(o), name: qname }]) : nodata;
  const kind = labels[labels.length - 1];
  if (labels.length === 1) return kind === 'svc' || kind === 'pod' ? nodata : nx;
  if (kind === 'pod') {
    // A-B-C-D.NS.pod.ZONE, answered without checking that such a pod exists (CoreDNS "pods insecure").
    if (labels.length === 2) return nodata; // NS.pod.ZONE
    if (labels.length !== 3) return nx;
    const ip = (labels[0] ?? '').replace(/-/g, '.');
    if (!isIPv4(ip)) return nx;
    return qtype === 'A' || qtype === 'ANY' ? answer([{ type: 'A', name: qname, data: ip }]) : nodata;
  }
  if (kind !== 'svc') return nx;
  if (labels.length === 2) return nodata; // NS.svc.ZONE
  const ns = labels[labels.length - 2] ?? '';
  const svcName = labels[labels.length - 3] ?? '';
  const rest = labels.slice(0, -3);
  const svc = src.service(ns, svcName);
  if (!svc) return nx;
  const spec = specOf(svc);
  const fqdn = `${svcName}.${ns}.svc.${o.zone}`;

  if (rest.length === 0) {
    if (str(spec['type']) === 'ExternalName') {
      const target = str(spec['externalName']).replace(/\.$/, '');
      return target ? answer([{ type: 'CNAME', name: qname, data: target }]) : nx;
    }
    const headless = isHeadless(svc);
    const eps = headless ? readyEndpoints(src.slices(ns, svcName)) : [];
    const ips = headless ? eps.map((e) => e.ip) : clusterIPs(svc);
    if (qtype === 'A' || qtype === 'ANY') {
      if (ips.length === 0) return headless ? nodata : nx;
      return answer(ips.map((ip) => ({ type: 'A', name: qname, data: ip })));
    }
    if (qtype === 'SRV') return srv(src, svc, qname, fqdn, ns, svcName, undefined, undefined, o) ?? nodata;
    return nodata;
  }
  if (rest.length === 1) {
    // HOST.NAME.NS.svc: a headless Service's endpoint by hostname or dashed address.
    const label = rest[0] ?? '';
    if (!isHeadless(svc)) return nx;
    const hits = readyEndpoints(src.slices(ns, svcName)).filter((e) => endpointLabel(e) === label);
    if (hits.length === 0) return nx;
    return qtype === 'A' || qtype === 'ANY' ? answer(hits.map((e) => ({ type: 'A', name: qname, data: e.ip }))) : nodata;
  }
  if (rest.length === 2 && rest[0]?.startsWith('_') && rest[1]?.startsWith('_')) {
    const port = rest[0].slice(1);
    const proto = rest[1].slice(1);
    const r = srv(src, svc, qname, fqdn, ns, svcName, port, proto, o);
    if (!r) return nx;
    return qtype === 'SRV' || qtype === 'ANY' ? r : nodata;
  }
  return nx;
}

function srv(src: DnsSource, svc: KubeObject, qname: string, fqdn: string, ns: string, svcName: string, port: string | undefined, proto: string | undefined, o: ZoneOptions): Lookup | undefined {
  const ports = servicePorts(svc).filter((p) => p.name && (port === undefined || port === '*' || p.name === port) && (proto === undefined || proto === '*' || p.protocol === proto));
  if (ports.length === 0) return undefined;
  const answers: Record[] = [];
  const additionals: Record[] = [];
  if (!isHeadless(svc)) {
    for (const p of ports) answers.push({ type: 'SRV', name: qname, data: { priority: 0, weight: 100, port: p.port, target: fqdn } });
    for (const ip of clusterIPs(svc)) additionals.push({ type: 'A', name: fqdn, data: ip });
    return answer(answers, additionals);
  }
  const slices = src.slices(ns, svcName);
  const eps = readyEndpoints(slices);
  const weight = eps.length > 0 ? Math.floor(100 / eps.length) || 1 : 100;
  for (const p of ports) {
    const target = slicePort(slices, p.name, p.protocol);
    if (target === undefined) continue;
    for (const e of eps) {
      const host = `${endpointLabel(e)}.${svcName}.${ns}.svc.${o.zone}`;
      answers.push({ type: 'SRV', name: qname, data: { priority: 0, weight, port: target, target: host } });
      if (!additionals.some((a) => a.name === host)) additionals.push({ type: 'A', name: host, data: e.ip });
    }
  }
  return answers.length > 0 ? answer(answers, additionals) : undefined;
}

function reverse(src: DnsSource, qname: string, name: string, qtype: string, o: ZoneOptions): Lookup {
  const parts = name.slice(0, -'.in-addr.arpa'.length).split('.');
  if (parts.length !== 4) return { kind: 'forward' };
  const ip = parts.reverse().join('.');
  if (!isIPv4(ip)) return { kind: 'forward' };
  const names: string[] = [];
  for (const svc of src.servicesByClusterIP(ip)) names.push(`${svc.metadata.name ?? ''}.${svc.metadata.namespace ?? ''}.svc.${o.zone}`);
  for (const slice of src.slicesByAddress(ip)) {
    const svcName = slice.metadata.labels?.['kubernetes.io/service-name'];
    const svc = svcName ? src.service(slice.metadata.namespace ?? '', svcName) : undefined;
    if (!svc || !isHeadless(svc)) continue;
    const ep = readyEndpoints([slice]).find((e) => e.ip === ip);
    if (ep) names.push(`${endpointLabel(ep)}.${svcName}.${slice.metadata.namespace ?? ''}.svc.${o.zone}`);
  }
  if (names.length === 0) return { kind: 'forward' };
  if (qtype !== 'PTR' && qtype !== 'ANY') return { kind: 'answer', rcode: 'NOERROR', answers: [], additionals: [], authorities: [] };
  return answer([...new Set(names)].map((n) => ({ type: 'PTR', name: qname, data: n })));
}
