// A REST mapper for commands that run without a cluster (`auth … --offline`): the resources a-kube serves built in,
// from the static catalog, so that "po", "deployments.apps" or "crd" resolve as they would against a new cluster.
import { catalog, servedGroups } from '../api/catalog.js';
import type { Discovery, DiscoveredResource } from '../client/discovery.js';
import { createRestMapper, type RestMapper } from '../client/rest-mapper.js';

export function catalogDiscovery(extra: readonly DiscoveredResource[] = []): Discovery {
  const groups = servedGroups();
  const resources: DiscoveredResource[] = [...catalog.map((r) => ({
    group: r.group,
    version: r.version,
    resource: r.resource,
    singularName: r.singularName,
    kind: r.kind,
    namespaced: r.namespaced,
    verbs: [...r.verbs],
    shortNames: [...(r.shortNames ?? [])],
    categories: [...(r.categories ?? [])],
    preferred: groups.get(r.group)?.[0] === r.version,
  })), ...extra];
  return {
    groups: [...groups].map(([name, versions]) => ({ name, versions, preferredVersion: versions[0] ?? '' })),
    resources: [...resources.filter((r) => r.preferred), ...resources.filter((r) => !r.preferred)],
    failed: [],
  };
}

/** `extra`: custom resources (from CustomResourceDefinitions among the files), after the built-in ones. */
export function catalogMapper(extra: readonly DiscoveredResource[] = []): RestMapper {
  return createRestMapper(catalogDiscovery(extra));
}
