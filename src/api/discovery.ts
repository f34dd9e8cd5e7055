// The discovery documents: legacy (/api, /apis, /apis/<g>, /api/v1, /apis/<g>/<v>) and aggregated
// (apidiscovery.k8s.io v2 and v2beta1, chosen by the Accept header on /api and /apis).
import { createHash } from 'node:crypto';
import { groupVersion, type ResourceInfo } from './resource-info.js';
import { ResourceRegistry } from './resource-registry.js';

/** The built-ins alone: what the documents show when no run-time registry is given. */
const builtinRegistry = new ResourceRegistry();

export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

export interface APIVersions {
  kind: 'APIVersions';
  versions: string[];
  serverAddressByClientCIDRs: Array<{ clientCIDR: string; serverAddress: string }>;
}

export interface APIGroup {
  kind?: 'APIGroup';
  apiVersion?: 'v1';
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

export interface APIGroupList {
  kind: 'APIGroupList';
  apiVersion: 'v1';
  groups: APIGroup[];
}

export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

export interface APIResourceList {
  kind: 'APIResourceList';
  apiVersion: 'v1';
  groupVersion: string;
  resources: APIResource[];
}

export type DiscoveryVersion = 'v2' | 'v2beta1';

export interface GroupVersionKindRef {
  group: string;
  version: string;
  kind: string;
}

export interface APISubresourceDiscovery {
  subresource: string;
  responseKind: GroupVersionKindRef;
  verbs: string[];
}

export interface APIResourceDiscovery {
  resource: string;
  responseKind: GroupVersionKindRef;
  scope: 'Namespaced' | 'Cluster';
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: APISubresourceDiscovery[];
}

export interface APIVersionDiscovery {
  version: string;
  resources: APIResourceDiscovery[];
  freshness: 'Current' | 'Stale';
}

export interface APIGroupDiscovery {
  metadata: { name?: string; creationTimestamp: null };
  versions: APIVersionDiscovery[];
}

export interface APIGroupDiscoveryList {
  kind: 'APIGroupDiscoveryList';
  apiVersion: `apidiscovery.k8s.io/${DiscoveryVersion}`;
  metadata: Record<string, never>;
  items: APIGroupDiscovery[];
}

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** GET /api */
export function apiVersions(serverAddress: string, reg: ResourceRegistry = builtinRegistry): APIVersions {
  return { kind: 'APIVersions', versions: reg.servedGroups().get('') ?? [], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupEntry(name: string, versions: string[]): APIGroup {
  const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  const preferred = entries[0] ?? { groupVersion: name, version: '' };
  return { name, versions: entries, preferredVersion: preferred };
}

/** GET /apis */
export function apiGroupList(reg: ResourceRegistry = builtinRegistry): APIGroupList {
  const groups: APIGroup[] = [];
  for (const [name, versions] of reg.servedGroups()) if (name !== '') groups.push(groupEntry(name, versions));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** GET /apis/<name> */
export function apiGroup(name: string, reg: ResourceRegistry = builtinRegistry): (APIGroup & { kind: 'APIGroup'; apiVersion: 'v1' }) | undefined {
  if (name === '') return undefined;
  const versions = reg.servedGroups().get(name);
  if (!versions) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(name, versions) };
}

/** Kubernetes' storageVersionHash: the first 8 bytes of sha256("<group>/<version>/<kind>"), base64. */
export function storageVersionHash(group: string, version: string, kind: string): string {
  return createHash('sha256').update(`${group}/${version}/${kind}`).digest().subarray(0, 8).toString('base64');
}

function resourcesOf(reg: ResourceRegistry, group: string, version: string): ResourceInfo[] {
  return reg.all().filter((r) => r.group === group && r.version === version);
}

/** GET /api/v1 and /apis/<group>/<version> */
export function apiResourceList(group: string, version: string, reg: ResourceRegistry = builtinRegistry): APIResourceList | undefined {
  const served = resourcesOf(reg, group, version);
  if (served.length === 0) return undefined;
  const resources: APIResource[] = [];
  for (const r of served) {
    resources.push({
      name: r.resource,
      singularName: r.singularName,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...r.verbs],
      ...(r.shortNames ? { shortNames: [...r.shortNames] } : {}),
      ...(r.categories ? { categories: [...r.categories] } : {}),
      // only persisted kinds have one; create-only reviews and bindings are never stored
      ...(r.verbs.includes('get') ? { storageVersionHash: storageVersionHash(r.storedAs?.group ?? r.group, r.storedAs?.version ?? r.storageVersion ?? r.version, r.kind) } : {}),
    });
    for (const sub of r.subresources ?? []) {
      resources.push({
        name: `${r.resource}/${sub.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(sub.group !== undefined ? { group: sub.group } : {}),
        ...(sub.version !== undefined ? { version: sub.version } : {}),
        kind: sub.kind,
        verbs: [...sub.verbs],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources: resources.sort(byName) };
}

function resourceDiscovery(r: ResourceInfo): APIResourceDiscovery {
  const subresources = (r.subresources ?? []).map((sub) => ({
    subresource: sub.name,
    responseKind: { group: sub.group ?? '', version: sub.version ?? '', kind: sub.kind },
    verbs: [...sub.verbs],
  }));
  return {
    resource: r.resource,
    // custom resources name their group and version here, as kube-apiserver's CRD handler does
    responseKind: r.crd !== undefined || r.aggregated !== undefined ? { group: r.group, version: r.version, kind: r.kind } : { group: '', version: '', kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singularName,
    verbs: [...r.verbs],
    ...(r.shortNames ? { shortNames: [...r.shortNames] } : {}),
    ...(r.categories ? { categories: [...r.categories] } : {}),
    ...(subresources.length > 0 ? { subresources: subresources.sort((a, b) => (a.subresource < b.subresource ? -1 : 1)) } : {}),
  };
}

/** GET /api or /apis answered in the aggregated form (Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList). */
export function aggregatedDiscovery(root: 'api' | 'apis', version: DiscoveryVersion, reg: ResourceRegistry = builtinRegistry): APIGroupDiscoveryList {
  const items: APIGroupDiscovery[] = [];
  // groups by their highest groupPriorityMinimum, ties by name (the aggregated discovery manager's order; the
  // legacy list breaks ties by APIService name instead); versions as servedGroups orders them
  const top = (group: string, versions: string[]) => Math.max(...versions.map((v) => reg.priority(group, v).groupPriorityMinimum));
  const groups = [...reg.servedGroups()].map(([group, versions]) => ({ group, versions, priority: top(group, versions) }));
  groups.sort((a, b) => b.priority - a.priority || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  for (const { group, versions } of groups) {
    if ((root === 'api') !== (group === '')) continue;
    items.push({
      metadata: { ...(group !== '' ? { name: group } : {}), creationTimestamp: null },
      versions: versions.map((v) => ({
        version: v,
        resources: resourcesOf(reg, group, v).map(resourceDiscovery).sort((a, b) => (a.resource < b.resource ? -1 : 1)),
        freshness: reg.isStale(group, v) ? ('Stale' as const) : ('Current' as const),
      })),
    });
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

/** The Content-Type of an aggregated discovery answer. */
export function discoveryContentType(version: DiscoveryVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

/**
 * Which aggregated form an Accept header asks for, honouring the client's order; undefined means answer the
 * legacy document with Content-Type application/json (always acceptable: clients list it last).
 */
export function negotiateDiscovery(accept: string | undefined): DiscoveryVersion | undefined {
  for (const range of (accept ?? '').split(',')) {
    const [type, ...params] = range.split(';').map((s) => s.trim());
    if (type !== 'application/json') continue;
    const p = new Map(params.map((kv) => kv.split('=', 2).map((s) => s.trim()) as [string, string]));
    if (p.size === 0) return undefined;
    if (p.get('g') !== 'apidiscovery.k8s.io' || p.get('as') !== 'APIGroupDiscoveryList') continue;
    // a profile (e.g. nopeer) asks for a variant we serve identically
    const v = p.get('v');
    if (v === 'v2' || v === 'v2beta1') return v;
  }
  return undefined;
}
