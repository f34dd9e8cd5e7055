// Legacy discovery (/api, /apis, then every group/version), cached in memory per server for the process.
import { setMaxListeners } from 'node:events';
import { isRecord } from '../api/object.js';
import type { RestClient } from './rest.js';

export interface DiscoveredResource {
  group: string;
  version: string;
  /** plural, e.g. "deployments" */
  resource: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  categories: string[];
  /** Whether `version` is the group's preferred version. */
  preferred: boolean;
}

export interface DiscoveredGroup {
  /** "" for the core group */
  name: string;
  versions: string[];
  preferredVersion: string;
}

export interface Discovery {
  /** Core first, then /apis order. */
  groups: DiscoveredGroup[];
  /** Top-level resources (no subresources) of every group/version, groups in order, preferred version first. */
  resources: DiscoveredResource[];
  /** Group/versions whose resource list could not be fetched. */
  failed: string[];
}

const memory = new Map<string, Promise<Discovery>>();

/** Fetches (or returns this process's cached) discovery for the client's server. */
export function getDiscovery(client: RestClient, signal?: AbortSignal): Promise<Discovery> {
  const key = client.config.server;
  let hit = memory.get(key);
  if (!hit) {
    hit = fetchDiscovery(client, signal);
    memory.set(key, hit);
    hit.catch(() => memory.delete(key));
  }
  return hit;
}

export function forgetDiscovery(client: RestClient): void {
  memory.delete(client.config.server);
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export async function fetchDiscovery(client: RestClient, signal?: AbortSignal): Promise<Discovery> {
  // one request per group/version listens on the caller's signal at once (more than Node's default warning limit)
  if (signal) setMaxListeners(1000, signal);
  const opts = { query: { timeout: '32s' }, ...(signal ? { signal } : {}) };
  const [core, apis] = await Promise.all([client.get<unknown>('/api', opts), client.get<unknown>('/apis', opts)]);
  const groups: DiscoveredGroup[] = [];
  if (isRecord(core)) {
    const versions = strings(core.versions);
    if (versions.length > 0) groups.push({ name: '', versions, preferredVersion: versions[0] ?? 'v1' });
  }
  if (isRecord(apis) && Array.isArray(apis.groups)) {
    for (const g of apis.groups) {
      if (!isRecord(g) || typeof g.name !== 'string' || !Array.isArray(g.versions)) continue;
      const versions = g.versions.map((v) => (isRecord(v) && typeof v.version === 'string' ? v.version : '')).filter((v) => v !== '');
      const pref = isRecord(g.preferredVersion) && typeof g.preferredVersion.version === 'string' ? g.preferredVersion.version : versions[0];
      if (versions.length > 0) groups.push({ name: g.name, versions, preferredVersion: pref ?? versions[0] ?? '' });
    }
  }
  const failed: string[] = [];
  const perGroup = await Promise.all(
    groups.map(async (g) => {
      const ordered = [g.preferredVersion, ...g.versions.filter((v) => v !== g.preferredVersion)];
      const lists = await Promise.all(
        ordered.map(async (version) => {
          const gv = g.name === '' ? version : `${g.name}/${version}`;
          try {
            const list = await client.get<unknown>(g.name === '' ? `/api/${version}` : `/apis/${gv}`, opts);
            return parseResourceList(list, g.name, version, version === g.preferredVersion);
          } catch (e) {
            if (signal?.aborted) throw e;
            failed.push(gv);
            return [];
          }
        }),
      );
      return lists.flat();
    }),
  );
  return { groups, resources: perGroup.flat(), failed };
}

function parseResourceList(list: unknown, group: string, version: string, preferred: boolean): DiscoveredResource[] {
  if (!isRecord(list) || !Array.isArray(list.resources)) return [];
  const out: DiscoveredResource[] = [];
  for (const r of list.resources) {
    if (!isRecord(r) || typeof r.name !== 'string' || r.name.includes('/')) continue;
    out.push({
      group,
      version,
      resource: r.name,
      singularName: typeof r.singularName === 'string' && r.singularName ? r.singularName : String(r.kind ?? '').toLowerCase(),
      kind: typeof r.kind === 'string' ? r.kind : '',
      namespaced: r.namespaced === true,
      verbs: strings(r.verbs),
      shortNames: strings(r.shortNames),
      categories: strings(r.categories),
      preferred,
    });
  }
  return out;
}
