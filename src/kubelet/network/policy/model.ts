// NetworkPolicy semantics resolved against the cluster's pods and namespaces: for each pod on this node that a
// policy selects, the sources it admits (ingress) and the destinations it may reach (egress), each as an IP
// or CIDR (with exceptions) plus the ports they apply to. Pure: the rules are written from this (rules.ts).
import type { KubeObject } from '../../../api/object.js';
import { isRecord } from '../../../api/object.js';
import { selectorMatcher } from '../../../api/selectors/spec-match.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** One allowed port (or range); undefined port = every port of the protocol. */
export interface PortMatch {
  protocol: Protocol;
  port?: number;
  endPort?: number;
}

export type Peer = { kind: 'ip'; ip: string } | { kind: 'cidr'; cidr: string; except: string[] };

/** One allow: traffic with any of the peers (none = every address) on any of the ports (none = every port). */
export interface Allow {
  peers: Peer[] | 'any';
  ports: PortMatch[] | 'any';
}

export interface PodPolicy {
  namespace: string;
  name: string;
  ip: string;
  /** Undefined: no policy selects the pod for this direction (all allowed); [] with a policy: deny all. */
  ingress?: Allow[];
  egress?: Allow[];
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

/**
 * The ports of one rule, for traffic to `target` (named ports resolve on the pod that receives the traffic:
 * the selected pod for ingress, the peer pod for egress). Undefined: a named port the target does not have.
 */
function portsFor(rule: Record<string, unknown>, target: PodInfo | undefined): PortMatch[] | 'any' | undefined {
  const ports = list(rule['ports']);
  if (!Array.isArray(rule['ports']) || ports.length === 0) return 'any';
  const out: PortMatch[] = [];
  for (const p of ports) {
    const protocol = protocolOf(p['protocol']);
    const port = p['port'];
    if (port === undefined || port === null) out.push({ protocol });
    else if (typeof port === 'number') out.push({ protocol, port, ...(typeof p['endPort'] === 'number' ? { endPort: p['endPort'] } : {}) });
    else if (typeof port === 'string') {
      for (const np of target?.namedPorts.get(port) ?? []) if (np.protocol === protocol) out.push({ protocol, port: np.port });
    }
  }
  return out.length ? out : undefined;
}

interface Context {
  pods: readonly PodInfo[];
  namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** The pods a peer (podSelector and/or namespaceSelector) names, relative to the policy's namespace. */
function peerPods(peer: Record<string, unknown>, policyNs: string, ctx: Context): PodInfo[] {
  const podSel = peer['podSelector'] !== undefined && peer['podSelector'] !== null ? selectorMatcher(peer['podSelector']) : undefined;
  const nsSel = peer['namespaceSelector'] !== undefined && peer['namespaceSelector'] !== null ? selectorMatcher(peer['namespaceSelector']) : undefined;
  const nsMatch = new Map<string, boolean>();
  const inNamespace = (ns: string) => {
    if (!nsSel) return ns === policyNs;
    let hit = nsMatch.get(ns);
    if (hit === undefined) nsMatch.set(ns, (hit = nsSel(ctx.namespaceLabels.get(ns) ?? {})));
    return hit;
  };
  return ctx.pods.filter((p) => inNamespace(p.namespace) && (podSel ? podSel(p.labels) : true));
}

/** One rule with its peers resolved: every address or an ipBlock or the pods a selector names, per peer. */
interface ResolvedRule {
  rule: Record<string, unknown>;
  peers: 'any' | ({ kind: 'block'; peer: Peer } | { kind: 'pods'; pods: PodInfo[] })[];
  /**
   * An egress rule to every address with named ports: a name means the port of that name on whichever pod the
   * traffic goes to, so each pod that has one becomes a peer of its own (this rule, named ports only).
   */
  named?: { rule: Record<string, unknown>; pods: PodInfo[] };
}

const namedPortsOf = (rule: Record<string, unknown>) => list(rule['ports']).filter((p) => typeof p['port'] === 'string');

/** Resolves a policy's rules once; the pods it selects then share the result. */
function resolveRules(rules: Record<string, unknown>[], peerKey: 'from' | 'to', policyNs: string, ctx: Context): ResolvedRule[] {
  return rules.map((rule) => {
    if (!Array.isArray(rule[peerKey]) || list(rule[peerKey]).length === 0) {
      const named = peerKey === 'to' ? namedPortsOf(rule) : [];
      if (named.length === 0) return { rule, peers: 'any' };
      const names = new Set(named.map((p) => p['port']));
      return { rule, peers: 'any', named: { rule: { ports: named }, pods: ctx.pods.filter((p) => [...p.namedPorts.keys()].some((n) => names.has(n))) } };
    }
    return {
      rule,
      peers: list(rule[peerKey]).map((peer) => {
        const block = rec(peer['ipBlock']);
        if (typeof block['cidr'] === 'string') {
          const except = Array.isArray(block['except']) ? block['except'].filter((e): e is string => typeof e === 'string') : [];
          return { kind: 'block' as const, peer: { kind: 'cidr' as const, cidr: block['cidr'], except } };
        }
        return { kind: 'pods' as const, pods: peerPods(peer, policyNs, ctx) };
      }),
    };
  });
}

function allowsOf(rules: readonly ResolvedRule[], peerKey: 'from' | 'to', selected: PodInfo): Allow[] {
  const out: Allow[] = [];
  for (const { rule, peers, named } of rules) {
    if (peers === 'any') {
      const ports = portsFor(rule, peerKey === 'from' ? selected : undefined);
      if (ports) out.push({ peers: 'any', ports });
      if (named) {
        for (const p of named.pods) {
          const ports = portsFor(named.rule, p);
          if (ports) out.push({ peers: [{ kind: 'ip', ip: p.ip }], ports });
        }
      }
      continue;
    }
    for (const peer of peers) {
      if (peer.kind === 'block') {
        const ports = portsFor(rule, peerKey === 'from' ? selected : undefined);
        if (ports) out.push({ peers: [peer.peer], ports });
        continue;
      }
      // Pod peers: named ports resolve per receiving pod, so egress rules are grouped per peer pod.
      for (const p of peer.pods) {
        const ports = portsFor(rule, peerKey === 'from' ? selected : p);
        if (ports) out.push({ peers: [{ kind: 'ip', ip: p.ip }], ports });
      }
    }
  }
  return out;
}

/** Every local pod's policy: the union of what each selecting policy allows, per direction. */
export function podPolicies(policies: readonly Readonly<KubeObject>[], ctx: Context, isLocal: (p: PodInfo) => boolean): PodPolicy[] {
  const out = new Map<string, PodPolicy>();
  for (const pol of policies) {
    const spec = rec(pol['spec']);
    const ns = pol.metadata.namespace ?? '';
    const selects = selectorMatcher(spec['podSelector'] ?? {});
    const selected = ctx.pods.filter((pod) => pod.namespace === ns && isLocal(pod) && selects(pod.labels));
    if (selected.length === 0) continue;
    const types = policyTypes(spec);
    const ingress = types.ingress ? resolveRules(list(spec['ingress']), 'from', ns, ctx) : [];
    const egress = types.egress ? resolveRules(list(spec['egress']), 'to', ns, ctx) : [];
    for (const pod of selected) {
      const key = `${pod.namespace}/${pod.name}`;
      const entry = out.get(key) ?? { namespace: pod.namespace, name: pod.name, ip: pod.ip };
      // concat, not push(...): a rule may name more peers than a call takes arguments.
      if (types.ingress) entry.ingress = (entry.ingress ?? []).concat(allowsOf(ingress, 'from', pod));
      if (types.egress) entry.egress = (entry.egress ?? []).concat(allowsOf(egress, 'to', pod));
      out.set(key, entry);
    }
  }
  return [...out.values()].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
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
