// The resources a cluster serves, as the signed-in person discovers them: built-in kinds, CustomResourceDefinitions
// and aggregated APIs alike, each with its subresources and verbs. Two requests in the aggregated form
// (apidiscovery.k8s.io v2 or v2beta1, Kubernetes 1.26+); a server that answers the legacy form is walked group by
// group (preferred versions, at most `maxGroups`).
import { isRecord } from '../api/object.js';
import type { PersonalClient } from './upstream.js';

export interface ServedResource {
  /** "pods", "pods/log", "deployments.apps", "widgets.example.com/status": how the console names it. */
  name: string;
  group: string;
  resource: string;
  subresource: string;
  namespaced: boolean;
  verbs: string[];
}

export interface ServedResources {
  resources: ServedResource[];
  /** More were served than `maxResources`: the rest are left out. */
  truncated: boolean;
}

export const maxResources = 1000;
const maxGroups = 200;

const aggregatedAccept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function resourceName(group: string, resource: string, subresource: string): string {
  return `${resource}${group ? `.${group}` : ''}${subresource ? `/${subresource}` : ''}`;
}

function served(group: string, resource: string, subresource: string, namespaced: boolean, verbs: string[]): ServedResource {
  return { name: resourceName(group, resource, subresource), group, resource, subresource, namespaced, verbs };
}

/** The resources of an APIGroupDiscoveryList: each group's first (preferred) version. */
export function fromAggregated(list: unknown): ServedResource[] | undefined {
  if (!isRecord(list) || list.kind !== 'APIGroupDiscoveryList' || !Array.isArray(list.items)) return undefined;
  const out: ServedResource[] = [];
  for (const item of list.items) {
    if (!isRecord(item) || !Array.isArray(item.versions)) continue;
    const group = isRecord(item.metadata) && typeof item.metadata.name === 'string' ? item.metadata.name : '';
    const version = item.versions[0];
    if (!isRecord(version) || !Array.isArray(version.resources)) continue;
    for (const r of version.resources) {
      if (!isRecord(r) || typeof r.resource !== 'string' || !r.resource) continue;
      const namespaced = r.scope === 'Namespaced';
      out.push(served(group, r.resource, '', namespaced, strings(r.verbs)));
      for (const sub of Array.isArray(r.subresources) ? r.subresources : []) {
        if (isRecord(sub) && typeof sub.subresource === 'string' && sub.subresource) out.push(served(group, r.resource, sub.subresource, namespaced, strings(sub.verbs)));
      }
    }
  }
  return out;
}

/** The resources of an APIResourceList (legacy discovery of one group/version). */
export function fromResourceList(list: unknown, group: string): ServedResource[] {
  if (!isRecord(list) || !Array.isArray(list.resources)) return [];
  const out: ServedResource[] = [];
  for (const r of list.resources) {
    if (!isRecord(r) || typeof r.name !== 'string' || !r.name) continue;
    const slash = r.name.indexOf('/');
    out.push(served(group, slash < 0 ? r.name : r.name.slice(0, slash), slash < 0 ? '' : r.name.slice(slash + 1), r.namespaced === true, strings(r.verbs)));
  }
  return out;
}

async function legacy(client: PersonalClient, signal: AbortSignal): Promise<ServedResource[]> {
  const groups = await client.get('/apis', { signal });
  const preferred: [string, string][] = [['', '/api/v1']];
  if (isRecord(groups) && Array.isArray(groups.groups)) {
    for (const g of groups.groups.slice(0, maxGroups)) {
      if (!isRecord(g) || typeof g.name !== 'string' || !isRecord(g.preferredVersion) || typeof g.preferredVersion.groupVersion !== 'string') continue;
      preferred.push([g.name, `/apis/${g.preferredVersion.groupVersion.split('/').map(encodeURIComponent).join('/')}`]);
    }
  }
  // a group version that fails (an aggregated API that is down) is left out, as kubectl leaves it out
  const lists = await Promise.all(preferred.map(([group, path]) => client.get(path, { signal }).then((l) => fromResourceList(l, group), () => [])));
  return lists.flat();
}

/** Every resource the cluster serves, core first; at most `maxResources`. */
export async function servedResources(client: PersonalClient, signal: AbortSignal): Promise<ServedResources> {
  const [core, apis] = await Promise.all([client.get('/api', { signal, accept: aggregatedAccept }), client.get('/apis', { signal, accept: aggregatedAccept })]);
  const a = fromAggregated(core);
  const b = fromAggregated(apis);
  const all = a && b ? [...a, ...b] : await legacy(client, signal);
  return { resources: all.slice(0, maxResources), truncated: all.length > maxResources };
}
