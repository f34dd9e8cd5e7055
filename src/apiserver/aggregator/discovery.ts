// A backend's discovery document (GET /apis/<group>/<version>, an APIResourceList) read into the ResourceInfo the
// registry serves: discovery, RBAC and the CLI's REST mapper then see the aggregated resources as any other.
// The document comes from another server: every field is checked, sizes are bounded, unknown verbs are dropped.
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
