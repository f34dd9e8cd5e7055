// A backend's discovery read into the ResourceInfo the registry serves: discovery, RBAC and the CLI's REST mapper
// then see the aggregated resources as any other. Two forms, as kube-aggregator reads them: the aggregated
// APIGroupDiscoveryList of its /apis (apidiscovery.k8s.io v2 or v2beta1) when the backend serves one, else the
// legacy APIResourceList of /apis/<group>/<version>. The documents come from another server: every field is
// checked, sizes are bounded, unknown verbs are dropped.
import { isRecord } from '../../api/object.js';
import type { ResourceInfo, SubresourceInfo, Verb } from '../../api/resource-info.js';

const knownVerbs: readonly Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
/** At most this many resources (and subresources) are taken from one document. */
export const maxDiscoveredResources = 1000;

const segment = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const kindName = /^[A-Za-z][A-Za-z0-9]*$/;

function strings(v: unknown, max = 100): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length <= 253).slice(0, max) : [];
}

/** The resources of `group`/`version` described by `doc`, marked as served by `apiService`; undefined when `doc` is not an APIResourceList. */
export function resourcesFromDiscovery(doc: unknown, group: string, version: string, apiService: string): ResourceInfo[] | undefined {
  if (!isRecord(doc) || !Array.isArray(doc['resources'])) return undefined;
  const entries = doc['resources'].filter(isRecord).slice(0, maxDiscoveredResources);
  const out = new Map<string, ResourceInfo>();
  const subs: { parent: string; sub: SubresourceInfo }[] = [];
  for (const e of entries) {
    const name = typeof e['name'] === 'string' ? e['name'] : '';
    const kind = typeof e['kind'] === 'string' && kindName.test(e['kind']) ? e['kind'] : '';
    if (!kind) continue;
    const verbs = strings(e['verbs'], 20);
    const [parent, subName, ...more] = name.split('/');
    if (!parent || !segment.test(parent) || more.length > 0) continue;
    if (subName !== undefined) {
      if (!segment.test(subName)) continue;
      subs.push({ parent, sub: { name: subName, kind, verbs, ...(typeof e['group'] === 'string' ? { group: e['group'] } : {}), ...(typeof e['version'] === 'string' ? { version: e['version'] } : {}) } });
      continue;
    }
    if (out.has(parent)) continue;
    const shortNames = strings(e['shortNames']).filter((s) => segment.test(s));
    const categories = strings(e['categories']).filter((s) => segment.test(s));
    out.set(parent, {
      group,
      version,
      resource: parent,
      singularName: typeof e['singularName'] === 'string' && segment.test(e['singularName']) ? e['singularName'] : '',
      kind,
      listKind: `${kind}List`,
      namespaced: e['namespaced'] === true,
      verbs: knownVerbs.filter((v) => verbs.includes(v)),
      ...(shortNames.length > 0 ? { shortNames } : {}),
      ...(categories.length > 0 ? { categories } : {}),
      definition: '',
      aggregated: apiService,
    });
  }
  for (const { parent, sub } of subs) {
    const r = out.get(parent);
    if (r) r.subresources = [...(r.subresources ?? []), sub];
  }
  return [...out.values()];
}

/** What kube-aggregator asks a backend's /apis for: aggregated discovery, v2 then v2beta1. */
export const aggregatedDiscoveryAccept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** Whether a response's Content-Type says it is an aggregated discovery list (v2 or v2beta1). */
export function isAggregatedDiscovery(contentType: string): boolean {
  const params = new Map<string, string>();
  const [media, ...rest] = contentType.split(';').map((p) => p.trim());
  if (media?.toLowerCase() !== 'application/json') return false;
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i > 0) params.set(p.slice(0, i).trim().toLowerCase(), p.slice(i + 1).trim());
  }
  return params.get('g') === 'apidiscovery.k8s.io' && (params.get('v') === 'v2' || params.get('v') === 'v2beta1') && params.get('as') === 'APIGroupDiscoveryList';
}

/**
 * The resources of `group`/`version` in an APIGroupDiscoveryList, marked as served by `apiService`: empty when the
 * list does not have that group/version (kube-aggregator then publishes it without resources), undefined when `doc`
 * is no such list.
 */
export function resourcesFromAggregatedDiscovery(doc: unknown, group: string, version: string, apiService: string): ResourceInfo[] | undefined {
  if (!isRecord(doc) || !Array.isArray(doc['items'])) return undefined;
  const groupEntry = doc['items'].slice(0, maxDiscoveredResources).find((g) => isRecord(g) && isRecord(g['metadata']) && (g['metadata']['name'] ?? '') === group);
  const versions = isRecord(groupEntry) && Array.isArray(groupEntry['versions']) ? groupEntry['versions'] : [];
  const versionEntry = versions.slice(0, 100).find((v) => isRecord(v) && v['version'] === version);
  const entries = isRecord(versionEntry) && Array.isArray(versionEntry['resources']) ? versionEntry['resources'].filter(isRecord).slice(0, maxDiscoveredResources) : [];
  const out = new Map<string, ResourceInfo>();
  for (const e of entries) {
    const name = typeof e['resource'] === 'string' ? e['resource'] : '';
    const responseKind = isRecord(e['responseKind']) ? e['responseKind'] : {};
    const kind = typeof responseKind['kind'] === 'string' && kindName.test(responseKind['kind']) ? responseKind['kind'] : '';
    if (!kind || !segment.test(name) || out.has(name)) continue;
    const verbs = strings(e['verbs'], 20);
    const shortNames = strings(e['shortNames']).filter((x) => segment.test(x));
    const categories = strings(e['categories']).filter((x) => segment.test(x));
    const subresources: SubresourceInfo[] = [];
    for (const sub of Array.isArray(e['subresources']) ? e['subresources'].filter(isRecord).slice(0, 20) : []) {
      const subName = typeof sub['subresource'] === 'string' ? sub['subresource'] : '';
      const subKind = isRecord(sub['responseKind']) ? sub['responseKind'] : {};
      if (!segment.test(subName)) continue;
      subresources.push({
        name: subName,
        kind: typeof subKind['kind'] === 'string' && kindName.test(subKind['kind']) ? subKind['kind'] : kind,
        verbs: strings(sub['verbs'], 20),
        ...(typeof subKind['group'] === 'string' && subKind['group'] !== group ? { group: subKind['group'] } : {}),
        ...(typeof subKind['version'] === 'string' && subKind['version'] !== version ? { version: subKind['version'] } : {}),
      });
    }
    out.set(name, {
      group,
      version,
      resource: name,
      singularName: typeof e['singularResource'] === 'string' && segment.test(e['singularResource']) ? e['singularResource'] : '',
      kind,
      listKind: `${kind}List`,
      namespaced: e['scope'] === 'Namespaced',
      verbs: knownVerbs.filter((v) => verbs.includes(v)),
      ...(shortNames.length > 0 ? { shortNames } : {}),
      ...(categories.length > 0 ? { categories } : {}),
      ...(subresources.length > 0 ? { subresources } : {}),
      definition: '',
      aggregated: apiService,
    });
  }
  return [...out.values()];
}
