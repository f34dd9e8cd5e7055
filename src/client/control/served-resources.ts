// What the API server serves beyond the built-in catalog (custom resources), read through legacy discovery,
// for the control loops that act on every resource (namespace deletion).
import { catalog } from '../../api/catalog.js';
import { isRecord } from '../../api/object.js';
import type { ResourceInfo, Verb } from '../../api/resource-info.js';
import type { ControllerClient } from './types.js';
import { isNotFound } from '../api-error.js';

const builtinGroups = new Set(catalog.map((r) => r.group));

/** Resources of groups the catalog does not have (each group's preferred version), from /apis discovery. */
export async function discoverCustomResources(client: ControllerClient): Promise<ResourceInfo[]> {
  let groups: unknown;
  try {
    groups = await client.get<unknown>('/apis');
  } catch (e) {
    if (isNotFound(e)) return []; // a server without group discovery serves no custom resources
    throw e;
  }
  if (!isRecord(groups) || !Array.isArray(groups['groups'])) return [];
  const out: ResourceInfo[] = [];
  for (const g of groups['groups']) {
    if (!isRecord(g) || typeof g['name'] !== 'string' || builtinGroups.has(g['name'])) continue;
    const preferred = isRecord(g['preferredVersion']) ? g['preferredVersion']['version'] : undefined;
    if (typeof preferred !== 'string') continue;
    let list: unknown;
    try {
      list = await client.get<unknown>(`/apis/${g['name']}/${preferred}`);
    } catch {
      continue; // the group went away between the two reads
    }
    if (!isRecord(list) || !Array.isArray(list['resources'])) continue;
    for (const r of list['resources']) {
      if (!isRecord(r) || typeof r['name'] !== 'string' || r['name'].includes('/') || typeof r['kind'] !== 'string') continue;
      const verbs = Array.isArray(r['verbs']) ? r['verbs'].filter((v): v is Verb => typeof v === 'string') : [];
      out.push({
        group: g['name'], version: preferred, resource: r['name'], singularName: typeof r['singularName'] === 'string' ? r['singularName'] : '',
        kind: r['kind'], listKind: `${r['kind']}List`, namespaced: r['namespaced'] === true, verbs, definition: '',
      });
    }
  }
  return out;
}
