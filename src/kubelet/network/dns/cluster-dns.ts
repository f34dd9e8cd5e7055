// Cluster DNS as a component: informers for Services and EndpointSlices (the only source of answers, never
// a request per query), the DNS server on the node address, and the host's resolvers as upstreams.
import { readFileSync } from 'node:fs';
import type { KubeObject } from '../../../api/object.js';
import { Informer, restListerWatcher } from '../../../client/informer.js';
import type { RestClient } from '../../../client/rest.js';
import { parseResolvConf } from '../dns-config.js';
import type { DnsSource } from './records.js';
import { startDnsServer, type RunningDnsServer } from './server.js';

const serviceNameLabel = 'kubernetes.io/service-name';

const addressesOf = (slice: KubeObject): string[] => {
  const eps = Array.isArray(slice['endpoints']) ? (slice['endpoints'] as unknown[]) : [];
  const out: string[] = [];
  for (const e of eps) {
    const addrs = e !== null && typeof e === 'object' ? (e as { addresses?: unknown }).addresses : undefined;
    if (Array.isArray(addrs)) for (const a of addrs) if (typeof a === 'string') out.push(a);
  }
  return out;
};

const clusterIPsOf = (svc: KubeObject): string[] => {
  const spec = (svc['spec'] ?? {}) as { clusterIP?: unknown; clusterIPs?: unknown };
  const ips = Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [spec.clusterIP];
  return ips.filter((ip): ip is string => typeof ip === 'string' && ip !== 'None' && ip !== '');
};

/** A DnsSource over two informers' caches. */
export function informerDnsSource(services: Informer, slices: Informer): DnsSource {
  services.addIndexers({ clusterIP: clusterIPsOf });
  slices.addIndexers({ service: (s) => [`${s.metadata.namespace ?? ''}/${s.metadata.labels?.[serviceNameLabel] ?? ''}`], address: addressesOf });
  return {
    service: (ns, name) => services.store.get(`${ns}/${name}`),
    slices: (ns, name) => slices.store.byIndex('service', `${ns}/${name}`),
    servicesByClusterIP: (ip) => services.store.byIndex('clusterIP', ip),
    slicesByAddress: (ip) => slices.store.byIndex('address', ip),
  };
}

/** The host's nameservers, minus the addresses the cluster DNS itself answers on (no forwarding loop). */
export function hostUpstreams(resolvConf: string, own: readonly string[]): string[] {
  return parseResolvConf(resolvConf).nameservers.filter((n) => !own.includes(n));
}

export interface ClusterDnsOptions {
  client: Pick<RestClient, 'list' | 'watch'>;
  /** Node address to listen on (UDP and TCP). */
  host: string;
  port?: number;
  zone?: string;
  /** Defaults to the nameservers of /etc/resolv.conf. */
  upstreams?: string[];
  /** Addresses that reach this server (the kube-dns Service IP): never used as upstreams. */
  ownAddresses?: string[];
  signal: AbortSignal;
  log?: (line: string) => void;
}

export async function startClusterDns(o: ClusterDnsOptions): Promise<RunningDnsServer> {
  const log = o.log ? { log: o.log } : {};
  const services = new Informer({ listerWatcher: restListerWatcher(o.client, { path: '/api/v1/services' }), name: 'cluster dns: services', ...log });
  const slices = new Informer({ listerWatcher: restListerWatcher(o.client, { path: '/apis/discovery.k8s.io/v1/endpointslices', labelSelector: serviceNameLabel }), name: 'cluster dns: endpointslices', ...log });
  const source = informerDnsSource(services, slices);
  void services.run(o.signal);
  void slices.run(o.signal);
  await services.waitForSync(o.signal);
  await slices.waitForSync(o.signal);
  let resolvConf = '';
  try {
    resolvConf = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    // no host resolver: names outside the cluster get SERVFAIL
  }
  const upstreams = o.upstreams ?? hostUpstreams(resolvConf, [o.host, ...(o.ownAddresses ?? [])]);
  return startDnsServer({ source, listen: [{ host: o.host, port: o.port ?? 53 }], upstreams, ...(o.zone ? { zone: o.zone } : {}), ...log });
}
