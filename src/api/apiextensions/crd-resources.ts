// What an established CustomResourceDefinition serves: one ResourceInfo per served version (under the accepted
// names) and the OpenAPI definitions of its kinds, named as kube-apiserver names them ("com.example.stable.v1.CronTab").
import { createHash } from 'node:crypto';
import { isRecord } from '../object.js';
import type { ResourceInfo, SubresourceInfo, Verb } from '../resource-info.js';
import { customResourceType } from '../managedfields/index.js';
import type { CrdNames, CrdVersion, CustomResourceDefinition, JSONSchemaProps } from './types.js';

const crud: Verb[] = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];

/** "stable.example.com", "v1", "CronTab" → "com.example.stable.v1.CronTab" */
export function customDefinitionName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

export function isEstablished(crd: CustomResourceDefinition): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}

export function storageVersionOf(crd: CustomResourceDefinition): string | undefined {
  return crd.spec.versions.find((v) => v.storage)?.name;
}

/** The resources the CRD serves (its accepted names; nothing until names are accepted). */
export function resourcesOfCrd(crd: CustomResourceDefinition): ResourceInfo[] {
  const names: CrdNames | undefined = crd.status?.acceptedNames;
  if (!names || !names.plural || !names.kind) return [];
  const storage = storageVersionOf(crd);
  const name = crd.metadata.name ?? '';
  return crd.spec.versions.filter((v) => v.served).map((v) => {
    const subresources: SubresourceInfo[] = [];
    if (v.subresources?.status !== undefined) subresources.push({ name: 'status', kind: names.kind, group: crd.spec.group, version: v.name, verbs: ['get', 'patch', 'update'] });
    if (v.subresources?.scale !== undefined) subresources.push({ name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] });
    const info: ResourceInfo = {
      group: crd.spec.group,
      version: v.name,
      resource: names.plural,
      singularName: names.singular ?? names.kind.toLowerCase(),
      kind: names.kind,
      listKind: names.listKind ?? `${names.kind}List`,
      namespaced: crd.spec.scope === 'Namespaced',
      verbs: crud,
      ...(names.shortNames && names.shortNames.length > 0 ? { shortNames: [...names.shortNames] } : {}),
      ...(names.categories && names.categories.length > 0 ? { categories: [...names.categories] } : {}),
      ...(subresources.length > 0 ? { subresources } : {}),
      definition: customDefinitionName(crd.spec.group, v.name, names.kind),
      ...(storage !== undefined && storage !== v.name ? { storageVersion: storage } : {}),
      ...(v.subresources?.scale ? { scalePaths: { specReplicasPath: v.subresources.scale.specReplicasPath, statusReplicasPath: v.subresources.scale.statusReplicasPath, ...(v.subresources.scale.labelSelectorPath ? { labelSelectorPath: v.subresources.scale.labelSelectorPath } : {}) } } : {}),
      crd: name,
      managedFieldsType: customResourceType(v.schema?.openAPIV3Schema as Parameters<typeof customResourceType>[0]),
      noStrategicMerge: true,
      schemaHash: createHash('sha256').update(JSON.stringify([v.schema ?? null, v.additionalPrinterColumns ?? null, crd.spec.names])).digest('hex').slice(0, 16),
    };
    return info;
  });
}

const objectMetaRef = '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const listMetaRef = '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';
const apiVersionText = 'The versioned schema of this representation of an object: the server converts recognized schemas to the latest internal value and may reject unrecognized ones.';
const kindText = 'The REST resource this object represents, in CamelCase; the server may infer it from the endpoint the client submits requests to. Cannot be updated.';

/**
 * The version's schema as published (OpenAPI v2 shape) and as every schema reader sees it: apiVersion, kind and
 * metadata added at the root and in embedded resources, the group/version/kind extension set.
 */
export function publishedSchema(crd: CustomResourceDefinition, v: CrdVersion, kind: string): Record<string, unknown> {
  const raw = v.schema?.openAPIV3Schema;
  const base: Record<string, unknown> = isRecord(raw) ? structuredClone(raw) as Record<string, unknown> : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const withEmbedded = embed(base, 0) as Record<string, unknown>;
  const props = isRecord(withEmbedded['properties']) ? withEmbedded['properties'] : {};
  const properties: Record<string, unknown> = {
    apiVersion: { description: apiVersionText, type: 'string' },
    kind: { description: kindText, type: 'string' },
    metadata: { $ref: objectMetaRef },
  };
  for (const [k, val] of Object.entries(props)) if (k !== 'metadata' && k !== 'apiVersion' && k !== 'kind') Object.defineProperty(properties, k, { value: val, enumerable: true, writable: true, configurable: true });
  return {
    ...withEmbedded,
    type: 'object',
    properties,
    'x-kubernetes-group-version-kind': [{ group: crd.spec.group, kind, version: v.name }],
  };
}

export function publishedListSchema(crd: CustomResourceDefinition, v: CrdVersion, kind: string, listKind: string): Record<string, unknown> {
  return {
    description: `${listKind} is a list of ${kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { description: apiVersionText, type: 'string' },
      items: { description: `List of ${kind.toLowerCase()}s.`, type: 'array', items: { $ref: `#/definitions/${customDefinitionName(crd.spec.group, v.name, kind)}` } },
      kind: { description: kindText, type: 'string' },
      metadata: { $ref: listMetaRef },
    },
    'x-kubernetes-group-version-kind': [{ group: crd.spec.group, kind: listKind, version: v.name }],
  };
}

/** Embedded resources get apiVersion, kind and metadata (the schema was bounded at CRD validation). */
function embed(node: unknown, depth: number): unknown {
  if (!isRecord(node) || depth > 200) return node;
  const out: Record<string, unknown> = { ...node };
  if (isRecord(node['properties'])) {
    const props: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node['properties'])) Object.defineProperty(props, k, { value: embed(v, depth + 1), enumerable: true, writable: true, configurable: true });
    out['properties'] = props;
  }
  if (isRecord(node['items'])) out['items'] = embed(node['items'], depth + 1);
  if (isRecord(node['additionalProperties'])) out['additionalProperties'] = embed(node['additionalProperties'], depth + 1);
  if (node['x-kubernetes-embedded-resource'] === true) {
    const props = isRecord(out['properties']) ? { ...out['properties'] } : {};
    props['apiVersion'] ??= { type: 'string' };
    props['kind'] ??= { type: 'string' };
    // ObjectMeta, as kube-apiserver publishes it: unknown fields of an embedded object's metadata are pruned
    props['metadata'] ??= { $ref: objectMetaRef };
    out['properties'] = props;
  }
  return out;
}

export type { JSONSchemaProps };
