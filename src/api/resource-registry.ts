// The resources served right now: the built-in catalog plus sets added at run time (one per
// CustomResourceDefinition), with a generation that changes on every change and listeners told of it.
// Discovery, OpenAPI, routing, the stores and RBAC read this, never the static catalog directly.
import { catalog } from './catalog.js';
import { groupVersion, resourceFingerprint, type ResourceInfo } from './resource-info.js';
import { compareVersionPriority } from './version-priority.js';

export type RegistryListener = (generation: number) => void;

export class ResourceRegistry {
  readonly #builtins: readonly ResourceInfo[];
  /** Run-time sets by owner (e.g. "crontabs.stable.example.com"). */
  readonly #dynamic = new Map<string, readonly ResourceInfo[]>();
  readonly #listeners = new Set<RegistryListener>();
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

  /** Every served resource: built-ins first (catalog order), then run-time sets by owner name. */
  all(): readonly ResourceInfo[] {
    if (!this.#all) {
      const extra = [...this.#dynamic.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).flatMap(([, list]) => list);
      this.#all = [...this.#builtins, ...extra];
    }
    return this.#all;
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
   * Group → served versions, preferred first. Built-in groups keep the catalog's order; a group served only by
   * run-time sets orders its versions by Kubernetes' version priority (v2 before v1 before v1beta1 …).
   */
  servedGroups(): Map<string, string[]> {
    if (this.#groups) return this.#groups;
    const out = new Map<string, string[]>();
    const builtinGroups = new Set(this.#builtins.map((r) => r.group));
    for (const r of this.all()) {
      const versions = out.get(r.group) ?? [];
      if (!versions.includes(r.version)) versions.push(r.version);
      out.set(r.group, versions);
    }
    for (const [group, versions] of out) if (!builtinGroups.has(group)) versions.sort(compareVersionPriority);
    this.#groups = out;
    return out;
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
