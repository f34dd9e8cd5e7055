// Resolving what users type ("po", "deployments.apps", "deployment.v1.apps", "Pod", "all") to served resources.
import type { DiscoveredResource, Discovery } from './discovery.js';

export class UnknownResourceError extends Error {
  override name = 'UnknownResourceError';
  constructor(readonly word: string) {
    super(`the server doesn't have a resource type "${word}"`);
  }
}

export class NoKindMatchError extends Error {
  override name = 'NoKindMatchError';
  constructor(readonly kind: string, readonly apiVersion: string) {
    super(`no matches for kind "${kind}" in version "${apiVersion}"`);
  }
}

export interface RestMapper {
  /** All top-level resources, preferred versions only, in discovery order. */
  readonly resources: readonly DiscoveredResource[];
  /** One resource type; throws UnknownResourceError. */
  resourceFor(word: string): DiscoveredResource;
  /** A category ("all") expands to its members; anything else is resourceFor(word). */
  expand(word: string): DiscoveredResource[];
  /** The resource serving apiVersion+kind (from a manifest); throws NoKindMatchError. */
  kindFor(apiVersion: string, kind: string): DiscoveredResource;
}

function groupMatches(actual: string, wanted: string): boolean {
  // kubectl accepts a group prefix: "roles.rbac" finds rbac.authorization.k8s.io
  return actual === wanted || actual.startsWith(`${wanted}.`);
}

function nameMatches(r: DiscoveredResource, word: string): boolean {
  return r.resource === word || r.singularName === word || r.kind.toLowerCase() === word || r.shortNames.includes(word);
}

export function createRestMapper(discovery: Discovery): RestMapper {
  const all = discovery.resources;
  const preferred = all.filter((r) => r.preferred);

  function find(resource: string, group: string | undefined, version: string | undefined): DiscoveredResource | undefined {
    const pool = version === undefined ? preferred : all;
    return pool.find(
      (r) => nameMatches(r, resource) && (group === undefined || groupMatches(r.group, group)) && (version === undefined || r.version === version),
    );
  }

  function resourceFor(word: string): DiscoveredResource {
    const lower = word.toLowerCase();
    const parts = lower.split('.');
    // resource.version.group first (when there are at least two dots), then resource.group, then a bare word
    if (parts.length >= 3) {
      const [res, version] = parts;
      const hit = find(res ?? '', parts.slice(2).join('.'), version);
      if (hit) return hit;
    }
    const dot = lower.indexOf('.');
    const hit = dot < 0 ? find(lower, undefined, undefined) : find(lower.slice(0, dot), lower.slice(dot + 1), undefined);
    if (hit) return hit;
    throw new UnknownResourceError(word);
  }

  return {
    resources: preferred,
    resourceFor,
    expand(word) {
      const lower = word.toLowerCase();
      const members = preferred.filter((r) => r.categories.includes(lower));
      if (members.length > 0 && !preferred.some((r) => nameMatches(r, lower))) return members;
      return [resourceFor(word)];
    },
    kindFor(apiVersion, kind) {
      const [group, version] = apiVersion.includes('/') ? [apiVersion.slice(0, apiVersion.indexOf('/')), apiVersion.slice(apiVersion.indexOf('/') + 1)] : ['', apiVersion];
      const hit = all.find((r) => r.group === group && r.version === version && r.kind === kind);
      if (!hit) throw new NoKindMatchError(kind, apiVersion);
      return hit;
    },
  };
}

/** "deployment.apps", "pod": how kubectl names a resource type in output. */
export function singularQualified(r: { group: string; singularName: string; kind: string }): string {
  const singular = r.singularName || r.kind.toLowerCase();
  return r.group === '' ? singular : `${singular}.${r.group}`;
}

export function pluralQualified(r: { group: string; resource: string }): string {
  return r.group === '' ? r.resource : `${r.resource}.${r.group}`;
}
