// The service proxy's iptables rules in kube-proxy's iptables-mode shape, as one iptables-restore text.
// nat: KUBE-SERVICES → KUBE-SVC-<hash> per service port (random spread over endpoints) → KUBE-SEP-<hash> per
// endpoint (DNAT); KUBE-SVL-<hash> (this node's endpoints) for the traffic policies "Local"; KUBE-EXT-<hash>
// for NodePorts and external IPs; masquerade by mark (KUBE-MARK-MASQ → KUBE-POSTROUTING). filter: REJECT for
// service ports without endpoints, KUBE-FORWARD for marked and established traffic. Pure: same input, same text.
import { chainHash } from '../chain-name.js';
import { servicePortName, usableEndpoints, type Endpoint, type ServicePort } from './model.js';

export const masqMark = '0x4000';

export const natChains = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'] as const;
export const filterChains = ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FORWARD'] as const;

/** The jumps from the built-in chains into ours: [table, built-in chain, rule arguments]. */
export const jumpRules: readonly (readonly ['nat' | 'filter', string, string])[] = [
  ['filter', 'INPUT', '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES'],
  ['filter', 'FORWARD', '-m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES'],
  ['filter', 'FORWARD', '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'],
  ['filter', 'FORWARD', '-m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD'],
  ['filter', 'OUTPUT', '-m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'],
  ['nat', 'PREROUTING', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES'],
  ['nat', 'OUTPUT', '-m comment --comment "kubernetes service portals" -j KUBE-SERVICES'],
  ['nat', 'POSTROUTING', '-m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING'],
];

/** Per-service and per-endpoint chain prefixes (stale ones of these are deleted). */
export const dynamicPrefixes = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-SEP-'] as const;

export interface RuleOptions {
  /** The pods' range: cluster-IP traffic from outside it is masqueraded. */
  clusterCidr: string;
  /** Chains the previous sync wrote (or found on the host): the ones not written now are deleted. */
  previous?: { nat: ReadonlySet<string>; filter: ReadonlySet<string> };
}

/** Each chain's rules in order, per table (the declaration order is the map's). */
export interface ChainContents {
  nat: Map<string, string[]>;
  filter: Map<string, string[]>;
}

export interface Rules {
  /** The whole rule set (first sync, or after a failure): every chain declared and written. */
  text: string;
  chains: { nat: Set<string>; filter: Set<string> };
  contents: ChainContents;
  /** Numbers for logs and benchmarks. */
  counts: { servicePorts: number; endpointChains: number; rules: number };
}

const q = (s: string): string => (/^[A-Za-z0-9_./:-]+$/.test(s) ? s : `"${s.replace(/["\\]/g, '')}"`);

/** "0.3333333333" for 1/3, the way kube-proxy writes probabilities. */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

/** The rule lists of one sync while they are being built. */
interface Builder {
  nat: string[];
  filter: string[];
  natDecl: Set<string>;
  filterDecl: Set<string>;
  /** KUBE-SERVICES (nat), kept apart so the NodePort jump stays last. */
  services: string[];
  nodePorts: string[];
  filterServices: string[];
  filterExternal: string[];
  endpointChains: number;
}

function newBuilder(): Builder {
  return {
    nat: [
      `-A KUBE-POSTROUTING -m mark ! --mark ${masqMark}/${masqMark} -j RETURN`,
      `-A KUBE-POSTROUTING -j MARK --xor-mark ${masqMark}`,
      '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
      `-A KUBE-MARK-MASQ -j MARK --or-mark ${masqMark}`,
    ],
    filter: [
      '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
      `-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${masqMark}/${masqMark} -j ACCEPT`,
      '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    ],
    natDecl: new Set<string>(natChains),
    filterDecl: new Set<string>(filterChains),
    services: [],
    nodePorts: [],
    filterServices: [],
    filterExternal: [],
    endpointChains: 0,
  };
}

function sortedPorts(ports: readonly ServicePort[]): ServicePort[] {
  const named = ports.map((sp) => ({ sp, key: servicePortName(sp) }));
  named.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.sp.protocol < b.sp.protocol ? -1 : a.sp.protocol > b.sp.protocol ? 1 : 0));
  return named.map((n) => n.sp);
}

export function buildRules(ports: readonly ServicePort[], o: RuleOptions): Rules {
  const b = newBuilder();
  const sorted = sortedPorts(ports);
  for (const sp of sorted) addServicePort(b, sp, o);
  return finish(b, sorted.length, o);
}

/**
 * buildRules in slices of `slice` service ports with a turn of the event loop between them: at 5,000 Services
 * the whole build takes seconds, which the API server sharing the process must not wait out.
 */
export async function buildRulesInSlices(ports: readonly ServicePort[], o: RuleOptions, slice = 50): Promise<Rules> {
  const b = newBuilder();
  const sorted = sortedPorts(ports);
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && i % slice === 0) await yieldToEventLoop();
    addServicePort(b, sorted[i]!, o);
  }
  return finish(b, sorted.length, o);
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function addServicePort(b: Builder, sp: ServicePort, o: RuleOptions): void {
  const { nat, natDecl, services, nodePorts, filterServices, filterExternal } = b;
  const spn = servicePortName(sp);
  const proto = sp.protocol.toLowerCase();
  const match = `-m ${proto} -p ${proto}`;
  const hash = chainHash(spn + proto);
  const svc = `KUBE-SVC-${hash}`;
  const svl = `KUBE-SVL-${hash}`;
  const ext = `KUBE-EXT-${hash}`;
  const cluster = usableEndpoints(sp.endpoints);
  const local = usableEndpoints(sp.endpoints.filter((e) => e.local));
  const internal = sp.internalPolicyLocal ? local : cluster;
  const hasExternal = sp.nodePort !== undefined || sp.externalIPs.length > 0;
  const usesSvl = sp.internalPolicyLocal || (hasExternal && sp.externalPolicyLocal);
  const usesSvc = !sp.internalPolicyLocal || hasExternal;
  const external = sp.externalPolicyLocal ? local : cluster;

  // Endpoint chains, shared by the cluster-wide and the node-local chain.
  const sepOf = new Map<Endpoint, string>();
  for (const e of new Set([...(usesSvc ? cluster : []), ...(usesSvl ? local : [])])) {
    const sep = `KUBE-SEP-${chainHash(`${spn}${proto}${e.ip}:${e.port}`)}`;
    sepOf.set(e, sep);
    natDecl.add(sep);
    b.endpointChains++;
    nat.push(`-A ${sep} -m comment --comment ${q(spn)} -s ${e.ip}/32 -j KUBE-MARK-MASQ`);
    const affinity = sp.affinitySeconds ? ` -m recent --name ${sep} --set` : '';
    nat.push(`-A ${sep} -m comment --comment ${q(spn)}${affinity} ${match} -j DNAT --to-destination ${e.ip}:${e.port}`);
  }
  const spread = (chain: string, eps: readonly Endpoint[]) => {
    if (sp.affinitySeconds) {
      for (const e of eps) nat.push(`-A ${chain} -m comment --comment ${q(`${spn} -> ${e.ip}:${e.port}`)} -m recent --name ${sepOf.get(e) ?? ''} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${sepOf.get(e) ?? ''}`);
    }
    eps.forEach((e, i) => {
      const stat = i < eps.length - 1 ? ` -m statistic --mode random --probability ${probability(eps.length - i)}` : '';
      nat.push(`-A ${chain} -m comment --comment ${q(`${spn} -> ${e.ip}:${e.port}`)}${stat} -j ${sepOf.get(e) ?? ''}`);
    });
  };

  if (usesSvc && cluster.length > 0) {
    natDecl.add(svc);
    if (!sp.internalPolicyLocal) {
      for (const ip of sp.clusterIPs) nat.push(`-A ${svc} -m comment --comment ${q(`${spn} cluster IP`)} ${match} -d ${ip}/32 --dport ${sp.port} ! -s ${o.clusterCidr} -j KUBE-MARK-MASQ`);
    }
    spread(svc, cluster);
  }
  if (usesSvl && local.length > 0) {
    natDecl.add(svl);
    spread(svl, local);
  }

  // Cluster IPs.
  for (const ip of sp.clusterIPs) {
    if (internal.length > 0) services.push(`-A KUBE-SERVICES -m comment --comment ${q(`${spn} cluster IP`)} ${match} -d ${ip}/32 --dport ${sp.port} -j ${sp.internalPolicyLocal ? svl : svc}`);
    else {
      const why = sp.internalPolicyLocal && cluster.length > 0 ? 'has no local endpoints' : 'has no endpoints';
      filterServices.push(`-A KUBE-SERVICES -m comment --comment ${q(`${spn} ${why}`)} ${match} -d ${ip}/32 --dport ${sp.port} -j ${why === 'has no endpoints' ? 'REJECT --reject-with icmp-port-unreachable' : 'DROP'}`);
    }
  }

  // NodePorts and external IPs.
  if (hasExternal) {
    if (external.length > 0 || (sp.externalPolicyLocal && cluster.length > 0)) {
      natDecl.add(ext);
      if (!sp.externalPolicyLocal) {
        nat.push(`-A ${ext} -m comment --comment ${q(`masquerade traffic for ${spn} external destinations`)} -j KUBE-MARK-MASQ`);
        nat.push(`-A ${ext} -j ${svc}`);
      } else {
        // Pods and the node itself may use any endpoint; only traffic from outside must stay on this node.
        nat.push(`-A ${ext} -s ${o.clusterCidr} -m comment --comment ${q(`pod traffic for ${spn} external destinations`)} -j ${svc}`);
        nat.push(`-A ${ext} -m comment --comment ${q(`masquerade LOCAL traffic for ${spn} external destinations`)} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
        nat.push(`-A ${ext} -m comment --comment ${q(`route LOCAL traffic for ${spn} external destinations`)} -m addrtype --src-type LOCAL -j ${svc}`);
        if (local.length > 0) nat.push(`-A ${ext} -j ${svl}`);
      }
      if (sp.nodePort !== undefined) nodePorts.push(`-A KUBE-NODEPORTS -m comment --comment ${q(spn)} ${match} --dport ${sp.nodePort} -j ${ext}`);
      for (const ip of sp.externalIPs) services.push(`-A KUBE-SERVICES -m comment --comment ${q(`${spn} external IP`)} ${match} -d ${ip}/32 --dport ${sp.port} -j ${ext}`);
    }
    if (external.length === 0) {
      const why = cluster.length > 0 ? 'has no local endpoints' : 'has no endpoints';
      const verdict = why === 'has no endpoints' ? 'REJECT --reject-with icmp-port-unreachable' : 'DROP';
      if (sp.nodePort !== undefined) filterExternal.push(`-A KUBE-EXTERNAL-SERVICES -m comment --comment ${q(`${spn} ${why}`)} -m addrtype --dst-type LOCAL ${match} --dport ${sp.nodePort} -j ${verdict}`);
      for (const ip of sp.externalIPs) filterExternal.push(`-A KUBE-EXTERNAL-SERVICES -m comment --comment ${q(`${spn} ${why}`)} ${match} -d ${ip}/32 --dport ${sp.port} -j ${verdict}`);
    }
  }
}

function finish(b: Builder, servicePorts: number, o: RuleOptions): Rules {
  const services = [...b.services, '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS'];
  const contents: ChainContents = { nat: new Map([...b.natDecl].map((c) => [c, []])), filter: new Map([...b.filterDecl].map((c) => [c, []])) };
  for (const [table, lines] of [['nat', [services, b.nodePorts, b.nat]], ['filter', [b.filterServices, b.filterExternal, b.filter]]] as const) {
    const m = contents[table];
    for (const list of lines) for (const l of list) m.get(l.slice(3, l.indexOf(' ', 3)))?.push(l);
  }
  const rules = [...contents.nat.values(), ...contents.filter.values()].reduce((n, l) => n + l.length, 0);
  return {
    get text() {
      return restoreText(contents, undefined, o.previous);
    },
    chains: { nat: b.natDecl, filter: b.filterDecl },
    contents,
    counts: { servicePorts, endpointChains: b.endpointChains, rules },
  };
}

/**
 * From this many chains named in one table, a restore starts that table with `-S`. iptables-nft (1.8.9, Debian 12)
 * keeps the names of the chains a restore's commands mention in a sorted linked list (cache_chain_list_insert),
 * so a restore naming n chains makes O(n²) string comparisons: 10 s for the first sync of 1,000 Services, minutes
 * for 5,000. A command that names no chain makes it load the whole table's chains in one dump instead and skip
 * that list; `-S` is the one such command that changes nothing (it lists the table, before the changes, on
 * stdout). iptables-legacy reads it the same way. Below this count the list costs less than the listing.
 */
export const wholeTableCacheFrom = 1000;

/**
 * Restore text for `next`: with `last` (what the previous successful sync wrote), only the chains whose rules
 * changed are declared (which flushes them) and rewritten; chains in `previous` that are gone are deleted.
 * Unchanged chains are not mentioned, so iptables-restore --noflush leaves them alone: on the nft backend a
 * restore costs in proportion to what it names, and most syncs change a handful of chains. Whatever the size,
 * it is one restore, which the kernel applies as one transaction per table.
 */
export function restoreText(next: ChainContents, last: ChainContents | undefined, previous?: PreviousChains): string {
  return [...restorePieces(next, last, previous)].join('');
}

/** restoreText with a turn of the event loop every `slice` chains (a full write at 5,000 Services is 24 MB). */
export async function restoreTextInSlices(next: ChainContents, last: ChainContents | undefined, previous?: PreviousChains, slice = 2000): Promise<string> {
  const parts: string[] = [];
  for (const piece of restorePieces(next, last, previous)) {
    if (parts.push(piece) % slice === 0) await yieldToEventLoop();
  }
  return parts.join('');
}

type PreviousChains = { nat: ReadonlySet<string>; filter: ReadonlySet<string> };

/** The restore text in pieces, each ending in a newline: a table's header, a declaration, a chain's rules, … */
function* restorePieces(next: ChainContents, last: ChainContents | undefined, previous: PreviousChains | undefined): Generator<string> {
  for (const table of ['filter', 'nat'] as const) {
    const now = next[table];
    const before = last?.[table];
    const changed = [...now.keys()].filter((c) => !before || !sameLines(before.get(c), now.get(c)));
    const stale = [...(previous?.[table] ?? [])].filter((c) => !now.has(c) && dynamicPrefixes.some((p) => c.startsWith(p))).sort();
    yield `*${table}\n`;
    if (changed.length + stale.length >= wholeTableCacheFrom) yield '-S\n';
    for (const c of [...changed, ...stale]) yield `:${c} - [0:0]\n`;
    for (const c of changed) {
      const lines = now.get(c) ?? [];
      if (lines.length > 0) yield `${lines.join('\n')}\n`;
    }
    for (const c of stale) yield `-X ${c}\n`;
    yield 'COMMIT\n';
  }
}

function sameLines(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
