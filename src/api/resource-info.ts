// What the API server, discovery, RBAC and the CLI need to know about one served resource.
// The catalog of every built-in resource lives in ./catalog.ts.
import type { TypeNode } from './managedfields/schema.js';

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export interface SubresourceInfo {
  /** e.g. "status", "scale", "exec", "log", "token", "binding", "eviction" */
  name: string;
  kind: string;
  /** Set when the subresource's kind lives in another group/version (scale → autoscaling/v1). */
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceInfo {
  group: string; // "" for core
  version: string; // "v1"
  resource: string; // plural, "pods"
  singularName: string; // "pod"
  kind: string; // "Pod"
  listKind: string; // "PodList"
  namespaced: boolean;
  verbs: Verb[];
  shortNames?: string[];
  categories?: string[];
  subresources?: SubresourceInfo[];
  /** OpenAPI definition name, e.g. "io.k8s.api.core.v1.Pod" */
  definition: string;
  /**
   * The type field management (managedFields, server-side apply) uses when `definition` is not a built-in one:
   * for custom resources, `customResourceType(openAPIV3Schema)` from src/api/managedfields.
   */
  managedFieldsType?: TypeNode;
  /** The version objects are stored in when it differs from `version` (custom resources with several versions). */
  storageVersion?: string;
  /**
   * A built-in stored as another version or group's objects (autoscaling/v1 HPAs as v2, events.k8s.io Events as
   * core v1): what discovery's storageVersionHash names. The conversion itself is src/registry/conversion/.
   */
  storedAs?: { group: string; version: string };
  /** Set for resources a CustomResourceDefinition defines: the CRD's name. */
  crd?: string;
  /** Where a custom resource's scale subresource reads and writes (simple JSON paths, e.g. ".spec.replicas"). */
  scalePaths?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** A digest of a custom resource's schema and printer columns: changes when its OpenAPI document must. */
  schemaHash?: string;
  /** Patch content types refused with 415 (custom resources have no strategic merge patch). */
  noStrategicMerge?: boolean;
  /** Set for resources another server serves behind an APIService (read from its discovery): the APIService's name. */
  aggregated?: string;
}

export function groupVersion(r: { group: string; version: string }): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** GroupResource.String(): "pods", "deployments.apps" */
export function qualifiedResource(r: { group: string; resource: string }): string {
  return r.group === '' ? r.resource : `${r.resource}.${r.group}`;
}

/** GroupKind.String() as used in Invalid messages: "Pod", "Deployment.apps" */
export function qualifiedKind(r: { group: string; kind: string }): string {
  return r.group === '' ? r.kind : `${r.kind}.${r.group}`;
}

/** A stable text of what a resource serves (for change checks); the field-management type is derived, left out. */
export function resourceFingerprint(resources: readonly ResourceInfo[]): string {
  return JSON.stringify(resources, (key, value: unknown) => (key === 'managedFieldsType' ? undefined : value));
}
