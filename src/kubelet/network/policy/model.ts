// NetworkPolicy semantics resolved against the cluster's pods and namespaces, per policy: which of this node's
// pods it selects, and for each ingress (egress) rule the sources it admits (destinations it lets pods reach) —
// the pod IPs its selectors name, its ipBlocks (with exceptions), or every address — and the ports, named ports
// resolved on the pods that receive the traffic. No I/O: the rules and sets are written from this (rules.ts).
import type { KubeObject } from '../../../api/object.js';
import { isRecord } from '../../../api/object.js';
import { selectorMatcher } from '../../../api/selectors/spec-match.js';
import { TimeSlice } from './time-slice.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** One allowed port (or range); undefined port = every port of the protocol. */
export interface PortMatch {
  protocol: Protocol;
  port?: number;
  endPort?: number;
}

/** An ipBlock peer. */
export interface CidrPeer {
  cidr: string;
  except: string[];
}

/** A port by name, resolved on one receiving pod. */
export interface NamedPortMember {
  ip: string;
  protocol: Protocol;
  port: number;
}

/** One rule of a policy: traffic with any of its peers on any of its ports. */
export interface RuleAllow {
  /** 'any': every address. Else the pod IPs its selectors name (absent: the rule has no selector peer) and its ipBlocks. */
  peers: 'any' | { pods?: string[]; blocks: CidrPeer[] };
  /** 'any': every port. Else numbered ports, and (when the rule names ports) those names on the receiving pods. */
  ports: 'any' | { numbered: PortMatch[]; named?: NamedPortMember[] };
}

/** A policy as the rules need it. */
export interface ResolvedPolicy {
  namespace: string;
  name: string;
  /** This node's pods the policy selects (their IPs, sorted). */
  selected: string[];
  /** Undefined: not an ingress (egress) policy; [] with it: deny all in that direction. */
  ingress?: RuleAllow[];
  egress?: RuleAllow[];
}

export interface PodInfo {
  namespace: string;
  name: string;
  ip: string;
  labels: Readonly<Record<string, string>>;
  /** Named container ports: name → [protocol, number]. */
  namedPorts: ReadonlyMap<string, { protocol: Protocol; port: number }[]>;
}

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const list = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);

export function podInfo(pod: Readonly<KubeObject>): PodInfo | undefined {
  const status = rec(pod['status']);
  const ip = typeof status['podIP'] === 'string' ? status['podIP'] : '';
  if (!ip || rec(pod['spec'])['hostNetwork'] === true || status['phase'] === 'Succeeded' || status['phase'] === 'Failed') return undefined;
  const namedPorts = new Map<string, { protocol: Protocol; port: number }[]>();
  for (const c of list(rec(pod['spec'])['containers'])) {
    for (const p of list(c['ports'])) {
      if (typeof p['name'] !== 'string' || typeof p['containerPort'] !== 'number') continue;
      const entry = { protocol: protocolOf(p['protocol']), port: p['containerPort'] };
      namedPorts.set(p['name'], [...(namedPorts.get(p['name']) ?? []), entry]);
    }
  }
  return { namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', ip, labels: pod.metadata.labels ?? {}, namedPorts };
}

function protocolOf(v: unknown): Protocol {
  return v === 'UDP' || v === 'SCTP' ? v : 'TCP';
}

function policyTypes(spec: Record<string, unknown>): { ingress: boolean; egress: boolean } {
  const types = Array.isArray(spec['policyTypes']) ? spec['policyTypes'] : undefined;
  if (types && types.length > 0) return { ingress: types.includes('Ingress'), egress: types.includes('Egress') };
  return { ingress: true, egress: Array.isArray(spec['egress']) && spec['egress'].length > 0 };
}

export interface Context {
  pods: readonly PodInfo[];
  namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** The pods of each namespace. */
type PodsByNamespace = ReadonlyMap<string, readonly PodInfo[]>;

function byNamespace(pods: readonly PodInfo[]): PodsByNamespace {
  const out = new Map<string, PodInfo[]>();
  for (const p of pods) (out.get(p.namespace) ?? out.set(p.namespace, []).get(p.namespace)!).push(p);
  return out;
}

/** The pods a peer (podSelector and/or namespaceSelector) names, relative to the policy's namespace. */
function peerPods(peer: Record<string, unknown>, policyNs: string, ctx: Context, index: PodsByNamespace): PodInfo[] {
  const podSel = peer['podSelector'] !== undefined && peer['podSelector'] !== null ? selectorMatcher(peer['podSelector']) : undefined;
  const nsSel = peer['namespaceSelector'] !== undefined && peer['namespaceSelector'] !== null ? selectorMatcher(peer['namespaceSelector']) : undefined;
  const out: PodInfo[] = [];
  for (const [ns, pods] of index) {
    if (nsSel ? !nsSel(ctx.namespaceLabels.get(ns) ?? {}) : ns !== policyNs) continue;
    for (const p of pods) if (!podSel || podSel(p.labels)) out.push(p);
  }
  return out;
}

const namedPortsOf = (rule: Record<string, unknown>) => list(rule['ports']).filter((p) => typeof p['port'] === 'string');

/**
 * The ports of one rule: numbered ones as matches, and — when the rule names ports — the receiving pods' ports
 * of those names as address/port members (the selected pods for ingress, every pod for egress, where the name
 * means the port of that name on whichever pod the traffic goes to).
 */
function portsOf(rule: Record<string, unknown>, receivers: readonly PodInfo[]): RuleAllow['ports'] {
  if (!Array.isArray(rule['ports']) || list(rule['ports']).length === 0) return 'any';
  const numbered: PortMatch[] = [];
  for (const p of list(rule['ports'])) {
    const protocol = protocolOf(p['protocol']);
    const port = p['port'];
    if (port === undefined || port === null) numbered.push({ protocol });
    else if (typeof port === 'number') numbered.push({ protocol, port, ...(typeof p['endPort'] === 'number' ? { endPort: p['endPort'] } : {}) });
  }
  const names = namedPortsOf(rule).map((p) => ({ name: String(p['port']), protocol: protocolOf(p['protocol']) }));
  if (names.length === 0) return { numbered };
  const named = new Map<string, NamedPortMember>();
  for (const pod of receivers) {
    for (const { name, protocol } of names) {
      for (const np of pod.namedPorts.get(name) ?? []) if (np.protocol === protocol) named.set(`${pod.ip},${protocol}:${np.port}`, { ip: pod.ip, protocol, port: np.port });
    }
  }
  return { numbered, named: [...named.values()] };
}

/** One rule's peers: every address, or the pods its selectors name (one group) and its ipBlocks. */
function peersOf(rule: Record<string, unknown>, peerKey: 'from' | 'to', policyNs: string, ctx: Context, index: PodsByNamespace): RuleAllow['peers'] {
  const peers = list(rule[peerKey]);
  if (!Array.isArray(rule[peerKey]) || peers.length === 0) return 'any';
  const blocks: CidrPeer[] = [];
  let pods: Set<string> | undefined;
  for (const peer of peers) {
    const block = rec(peer['ipBlock']);
    if (typeof block['cidr'] === 'string') {
      const except = Array.isArray(block['except']) ? block['except'].filter((e): e is string => typeof e === 'string') : [];
      blocks.push({ cidr: block['cidr'], except });
      continue;
    }
    pods ??= new Set();
    for (const p of peerPods(peer, policyNs, ctx, index)) pods.add(p.ip);
  }
  return { ...(pods ? { pods: [...pods].sort() } : {}), blocks };
}

/**
 * Every policy resolved against the cluster's pods: the local pods it selects, and per rule its peers and ports.
 * Policies come out in the order given. The work yields to the event loop between policies (`slice`), so a
 * large cluster never holds the process for long.
 */
export async function resolvePolicies(policies: readonly Readonly<KubeObject>[], ctx: Context, isLocal: (p: PodInfo) => boolean, slice = new TimeSlice()): Promise<ResolvedPolicy[]> {
  const out: ResolvedPolicy[] = [];
  const index = byNamespace(ctx.pods);
  for (const pol of policies) {
    const spec = rec(pol['spec']);
    const ns = pol.metadata.namespace ?? '';
    const selects = selectorMatcher(spec['podSelector'] ?? {});
    const selected = (index.get(ns) ?? []).filter((pod) => isLocal(pod) && selects(pod.labels));
    const types = policyTypes(spec);
    const resolved: ResolvedPolicy = { namespace: ns, name: pol.metadata.name ?? '', selected: selected.map((p) => p.ip).sort() };
    if (types.ingress) resolved.ingress = list(spec['ingress']).map((rule) => ({ peers: peersOf(rule, 'from', ns, ctx, index), ports: portsOf(rule, selected) }));
    if (types.egress) resolved.egress = list(spec['egress']).map((rule) => ({ peers: peersOf(rule, 'to', ns, ctx, index), ports: portsOf(rule, ctx.pods) }));
    out.push(resolved);
    await slice.pause();
  }
  return out;
}

/**
 * a-kube's cluster DNS as policies see it. The DNS server runs in the node agent on the bridge gateway, not
 * in kube-dns pods, so an egress rule written for a usual cluster — `to` pods labelled k8s-app=kube-dns in
 * kube-system, ports 53 or the named ports dns/dns-tcp — would otherwise match nothing. This stand-in pod
 * (never selected by a policy itself) gives such peers the gateway address with CoreDNS's ports.
 */
export function clusterDnsPeer(ip: string): PodInfo {
  return {
    namespace: 'kube-system',
    name: 'a-kube-cluster-dns',
    ip,
    labels: { 'k8s-app': 'kube-dns' },
    namedPorts: new Map([
      ['dns', [{ protocol: 'UDP', port: 53 }]],
      ['dns-tcp', [{ protocol: 'TCP', port: 53 }]],
    ]),
  };
}
