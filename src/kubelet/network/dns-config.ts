// A pod's resolver configuration, as the kubelet computes it (pkg/kubelet/network/dns): dnsPolicy
// ClusterFirst (the cluster DNS, the pod's namespace search path, ndots:5), Default (the host's resolv.conf),
// None (only dnsConfig), ClusterFirstWithHostNet; dnsConfig's nameservers, searches and options merged in.
// The node agent passes the result to the runtime as the sandbox's DNS config (CRI DNSConfig).

export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: string[];
}

export interface ClusterDnsSettings {
  /** The kube-dns Service IP (10.96.0.10). */
  clusterDns: string[];
  /** Cluster domain (cluster.local). */
  clusterDomain: string;
}

export const defaultClusterDns: ClusterDnsSettings = { clusterDns: ['10.96.0.10'], clusterDomain: 'cluster.local' };

// glibc's limits, which the kubelet also enforces.
const maxNameservers = 3;
const maxSearches = 32;
const maxSearchChars = 2048;

/** Reads resolv.conf text: nameserver, search/domain and options lines (the last search/domain wins). */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const [key, ...fields] = line.split(/\s+/);
    if (key === 'nameserver' && fields[0]) out.nameservers.push(fields[0]);
    else if (key === 'search') out.searches = fields.filter((f) => f !== '.');
    else if (key === 'domain' && fields[0]) out.searches = [fields[0]];
    else if (key === 'options') out.options.push(...fields);
  }
  return out;
}

interface PodLike {
  metadata: { namespace?: string };
  spec?: unknown;
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Rec) : {});
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

/** Options by name, later ones replacing earlier ones with the same name (ndots:2 replaces ndots:5). */
function mergeOptions(base: string[], extra: { name: string; value?: string }[]): string[] {
  const byName = new Map<string, string>();
  for (const o of base) byName.set(o.split(':')[0] ?? o, o);
  for (const o of extra) byName.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name);
  return [...byName.values()];
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

function limitSearches(list: string[]): string[] {
  const out: string[] = [];
  let chars = 0;
  for (const s of list) {
    if (out.length >= maxSearches || chars + s.length + 1 > maxSearchChars) break;
    out.push(s);
    chars += s.length + 1;
  }
  return out;
}

/** The resolver configuration for a pod, given the host's resolv.conf text. */
export function podResolvConf(pod: PodLike, hostResolvConf: string, cluster: ClusterDnsSettings = defaultClusterDns): ResolvConf {
  const spec = rec(pod.spec);
  const hostNetwork = spec['hostNetwork'] === true;
  const policy = typeof spec['dnsPolicy'] === 'string' ? spec['dnsPolicy'] : 'ClusterFirst';
  const host = parseResolvConf(hostResolvConf);
  let base: ResolvConf;
  const clusterFirst = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !hostNetwork);
  if (policy === 'None') base = { nameservers: [], searches: [], options: [] };
  else if (clusterFirst && cluster.clusterDns.length > 0) {
    const ns = pod.metadata.namespace ?? 'default';
    const d = cluster.clusterDomain;
    base = { nameservers: [...cluster.clusterDns], searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...host.searches], options: ['ndots:5'] };
  } else {
    // Default, or ClusterFirst on the host network: the host's own configuration.
    base = host;
  }
  const dnsConfig = rec(spec['dnsConfig']);
  const extraOptions = (Array.isArray(dnsConfig['options']) ? dnsConfig['options'] : [])
    .map(rec)
    .filter((o) => typeof o['name'] === 'string' && o['name'] !== '')
    .map((o) => ({ name: o['name'] as string, ...(typeof o['value'] === 'string' ? { value: o['value'] } : {}) }));
  return {
    nameservers: dedupe([...base.nameservers, ...strings(dnsConfig['nameservers'])]).slice(0, maxNameservers),
    searches: limitSearches(dedupe([...base.searches, ...strings(dnsConfig['searches'])])),
    options: mergeOptions(base.options, extraOptions),
  };
}

/** resolv.conf text for a configuration (what the runtime writes into the sandbox). */
export function formatResolvConf(c: ResolvConf): string {
  const lines: string[] = [];
  if (c.searches.length) lines.push(`search ${c.searches.join(' ')}`);
  for (const n of c.nameservers) lines.push(`nameserver ${n}`);
  if (c.options.length) lines.push(`options ${c.options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}
