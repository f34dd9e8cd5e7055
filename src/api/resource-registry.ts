// The resources served right now: the built-in catalog plus sets added at run time (one per
// CustomResourceDefinition), with a generation that changes on every change and listeners told of it.
// Discovery, OpenAPI, routing, the stores and RBAC read this, never the static catalog directly.
import { builtinPriorities, crdPriority } from './apiregistration/types.js';
import { catalog } from './catalog.js';
import { groupVersion, resourceFingerprint, type ResourceInfo } from './resource-info.js';
import { compareVersionPriority } from './version-priority.js';

export type RegistryListener = (generation: number) => void;

/** A group/version another server answers (an APIService with a service): what its discovery last said. */
export interface RemoteGroupVersion {
  group: string;
  version: string;
  groupPriorityMinimum: number;
  versionPriority: number;
  /** Resources from the backend's discovery (marked `aggregated`); empty until it has answered once. */
  resources: readonly ResourceInfo[];
  /** The backend did not answer its last discovery request: aggregated discovery says "Stale". */
  stale: boolean;
  /** The backend's /openapi/v2 document as last read (merged into this server's), when it served one. */
  openapiV2?: unknown;
}

const gvKey = (group: string, version: string) => `${group}/${version}`;

/** An APIService's ordering fields: groups by the first, highest first; versions within a group by the second. */
export interface APIPriority {
  groupPriorityMinimum: number;
  versionPriority: number;
}

export class ResourceRegistry {
  readonly #builtins: readonly ResourceInfo[];
  /** Run-time sets by owner (e.g. "crontabs.stable.example.com"). */
  readonly #dynamic = new Map<string, readonly ResourceInfo[]>();
  readonly #listeners = new Set<RegistryListener>();
  /** Group/versions delegated to other servers; they hide what is served here for the same group/version. */
  readonly #remote = new Map<string, RemoteGroupVersion>();
  /** The priorities the local APIServices say (a user may change them); absent ones use the defaults. */
  readonly #localPriorities = new Map<string, APIPriority>();
  #all: readonly ResourceInfo[] | undefined;
  #index: Map<string, ResourceInfo> | undefined;
  #groups: Map<string, string[]> | undefined;
  #generation = 0;

  constructor(builtins: readonly ResourceInfo[] = catalog) {
    this.#builtins = builtins;
  }

  /** Increases by one on every change of what is served. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Every served resource: built-ins first (catalog order), then run-time sets by owner name, then the resources
   * of group/versions other servers answer (which replace local ones of the same group/version).
   */
  all(): readonly ResourceInfo[] {
    if (!this.#all) {
      const extra = [...this.#dynamic.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).flatMap(([, list]) => list);
      const local = [...this.#builtins, ...extra].filter((r) => !this.#remote.has(gvKey(r.group, r.version)));
      this.#all = [...local, ...[...this.#remote.values()].flatMap((gv) => gv.resources)];
    }
    return this.#all;
  }

  /** What this server answers itself: everything but the remote group/versions (OpenAPI is built from this). */
  local(): readonly ResourceInfo[] {
    return this.all().filter((r) => r.aggregated === undefined);
  }

  /** The remote group/version for a request, when another server answers it. */
  remote(group: string, version: string): RemoteGroupVersion | undefined {
    return this.#remote.get(gvKey(group, version));
  }

  remotes(): readonly RemoteGroupVersion[] {
    return [...this.#remote.values()];
  }

  /** Delegates a group/version to another server (or updates what its discovery said); listeners run on change. */
  setRemote(gv: RemoteGroupVersion): void {
    const key = gvKey(gv.group, gv.version);
    const before = this.#remote.get(key);
    const same = before && before.stale === gv.stale && before.groupPriorityMinimum === gv.groupPriorityMinimum &&
      before.versionPriority === gv.versionPriority && resourceFingerprint(before.resources) === resourceFingerprint(gv.resources) &&
      before.openapiV2 === gv.openapiV2;
    if (same) return;
    this.#remote.set(key, gv);
    this.#changed();
  }

  removeRemote(group: string, version: string): void {
    if (this.#remote.delete(gvKey(group, version))) this.#changed();
  }

  find(group: string, version: string, resource: string): ResourceInfo | undefined {
    if (!this.#index) {
      this.#index = new Map();
      for (const r of this.all()) {
        const key = `${r.group}/${r.version}/${r.resource}`;
        if (!this.#index.has(key)) this.#index.set(key, r);
      }
    }
    return this.#index.get(`${group}/${version}/${resource}`);
  }

  findByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
    const [g, v] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    return this.all().find((r) => r.group === g && r.version === v && r.kind === kind);
  }

  /** Whether a built-in resource of the catalog (not a run-time one) has this group and plural name. */
  isBuiltin(group: string, resource: string): boolean {
    return this.#builtins.some((r) => r.group === group && r.resource === resource);
  }

  /**
   * Group → served versions, preferred first, in kube-aggregator's order: group/versions sorted by their
   * APIService's groupPriorityMinimum (highest first, then APIService name), a group placed where its first
   * group/version falls; versions within a group by versionPriority (highest first, then Kubernetes' version
   * order).
   */
  servedGroups(): Map<string, string[]> {
    if (this.#groups) return this.#groups;
    const gvs = new Map<string, { group: string; version: string; p: APIPriority }>();
    const add = (group: string, version: string) => {
      const key = gvKey(group, version);
      if (!gvs.has(key)) gvs.set(key, { group, version, p: this.priority(group, version) });
    };
    for (const r of this.all()) add(r.group, r.version);
    // a remote group/version is listed before its backend has answered (clients then see it unavailable)
    for (const gv of this.#remote.values()) add(gv.group, gv.version);
    const name = (x: { group: string; version: string }) => (x.group === '' ? x.version : `${x.version}.${x.group}`);
    const sorted = [...gvs.values()].sort((a, b) => b.p.groupPriorityMinimum - a.p.groupPriorityMinimum || (name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0));
    const out = new Map<string, string[]>();
    for (const gv of sorted) out.set(gv.group, [...(out.get(gv.group) ?? []), gv.version]);
    for (const [group, versions] of out) {
      const vp = (v: string) => gvs.get(gvKey(group, v))?.p.versionPriority ?? 0;
      versions.sort((a, b) => vp(b) - vp(a) || compareVersionPriority(a, b));
    }
    this.#groups = out;
    return out;
  }

  /**
   * The priorities of a group/version: its remote APIService's, else what its local APIService says, else what
   * kube-apiserver gives it (the built-in table; custom resources' 1000/100).
   */
  priority(group: string, version: string): APIPriority {
    const key = gvKey(group, version);
    const remote = this.#remote.get(key);
    if (remote) return { groupPriorityMinimum: remote.groupPriorityMinimum, versionPriority: remote.versionPriority };
    const local = this.#localPriorities.get(key);
    if (local) return local;
    const builtin = builtinPriorities[group === '' ? version : key];
    if (builtin && this.#builtins.some((r) => r.group === group && r.version === version)) return { groupPriorityMinimum: builtin.group, versionPriority: builtin.version };
    return { groupPriorityMinimum: crdPriority.group, versionPriority: crdPriority.version };
  }

  /** Records what a local APIService says about its group/version's priorities (undefined: back to the default). */
  setLocalPriority(group: string, version: string, p: APIPriority | undefined): void {
    const key = gvKey(group, version);
    const before = this.#localPriorities.get(key);
    if (p === undefined) {
      if (!before) return;
      this.#localPriorities.delete(key);
    } else {
      if (before && before.groupPriorityMinimum === p.groupPriorityMinimum && before.versionPriority === p.versionPriority) return;
      this.#localPriorities.set(key, { groupPriorityMinimum: p.groupPriorityMinimum, versionPriority: p.versionPriority });
    }
    this.#changed();
  }

  /** Whether aggregated discovery should call this group/version "Stale" (its backend stopped answering). */
  isStale(group: string, version: string): boolean {
    return this.#remote.get(gvKey(group, version))?.stale ?? false;
  }

  /** The group/versions served, as "v1", "apps/v1", … */
  groupVersions(): string[] {
    const out: string[] = [];
    for (const [group, versions] of this.servedGroups()) for (const version of versions) out.push(groupVersion({ group, version }));
    return out;
  }

  /** Replaces what `owner` serves (an empty list removes it). Listeners run when something changed. */
  set(owner: string, resources: readonly ResourceInfo[]): void {
    const before = this.#dynamic.get(owner);
    if (resources.length === 0) {
      if (!before) return;
      this.#dynamic.delete(owner);
    } else {
      if (before && resourceFingerprint(before) === resourceFingerprint(resources)) return;
      this.#dynamic.set(owner, resources);
    }
    this.#changed();
  }

  remove(owner: string): void {
    this.set(owner, []);
  }

  /** What `owner` serves now (empty when nothing). */
  owned(owner: string): readonly ResourceInfo[] {
    return this.#dynamic.get(owner) ?? [];
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  onChange(listener: RegistryListener): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  #changed(): void {
    this.#all = undefined;
    this.#index = undefined;
    this.#groups = undefined;
    this.#generation++;
    for (const l of [...this.#listeners]) {
      try {
        l(this.#generation);
      } catch (e) {
        process.stderr.write(`resource registry: a listener failed: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
  }
}
