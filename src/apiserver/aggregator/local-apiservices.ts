// The APIServices kube-apiserver makes for what it serves itself (spec.service unset: "Local"): one per built-in
// group/version with upstream's priorities (labelled automanaged "onstart": written at start, then left to the
// user), and one per CustomResourceDefinition group/version (automanaged "true": kept in step with the CRDs and
// deleted when no CRD serves it any more), as the autoregister and crdregistration controllers do.
import type { KubeObject } from '../../api/object.js';
import { apiServiceName, automanagedLabel, builtinPriorities, crdPriority } from '../../api/apiregistration/types.js';
import type { ResourceRegistry } from '../../api/resource-registry.js';
import { groupVersion } from '../../api/resource-info.js';

export type ManagePolicy = 'onstart' | 'true';

export interface LocalAPIService {
  name: string;
  group: string;
  version: string;
  groupPriorityMinimum: number;
  versionPriority: number;
  manage: ManagePolicy;
  /** Made when missing, never changed afterwards (the in-process metrics API a user may replace with metrics-server). */
  createOnly?: boolean;
}

/** Group/versions whose local APIService is only ever created: a user may point them at a server of their own. */
const createOnlyGroupVersions = new Set(['metrics.k8s.io/v1beta1']);

/** What should exist for the group/versions this server answers itself. */
export function desiredLocalAPIServices(registry: ResourceRegistry): LocalAPIService[] {
  const out = new Map<string, LocalAPIService>();
  for (const r of registry.local()) {
    const gv = groupVersion(r);
    const name = apiServiceName(r.group, r.version);
    if (out.has(name)) continue;
    const builtin = r.crd === undefined ? builtinPriorities[gv] : undefined;
    if (builtin) out.set(name, { name, group: r.group, version: r.version, groupPriorityMinimum: builtin.group, versionPriority: builtin.version, manage: 'onstart', ...(createOnlyGroupVersions.has(gv) ? { createOnly: true } : {}) });
    else if (r.crd !== undefined) out.set(name, { name, group: r.group, version: r.version, groupPriorityMinimum: crdPriority.group, versionPriority: crdPriority.version, manage: 'true' });
  }
  return [...out.values()];
}

/** The object for a local APIService (status is written by the availability loop). */
export function localAPIServiceObject(d: LocalAPIService): KubeObject {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: d.name, labels: { [automanagedLabel]: d.manage } },
    spec: { group: d.group, version: d.version, groupPriorityMinimum: d.groupPriorityMinimum, versionPriority: d.versionPriority },
  };
}

/** Whether a stored APIService differs from what a managed local one should say. */
export function localSpecDiffers(stored: Readonly<KubeObject>, d: LocalAPIService): boolean {
  const spec = (stored['spec'] ?? {}) as Record<string, unknown>;
  return spec['group'] !== d.group || spec['version'] !== d.version || spec['groupPriorityMinimum'] !== d.groupPriorityMinimum ||
    spec['versionPriority'] !== d.versionPriority || spec['service'] !== undefined && spec['service'] !== null ||
    spec['caBundle'] !== undefined || spec['insecureSkipTLSVerify'] === true;
}
