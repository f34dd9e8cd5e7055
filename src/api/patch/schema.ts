// Strategic-merge metadata read from Kubernetes' OpenAPI definitions (x-kubernetes-patch-strategy and
// x-kubernetes-patch-merge-key), so list semantics follow the API types rather than a hand-kept list.
import { getOwn } from '../own.js';
import { loadGenerated } from '../generated-data.js';
import { isRecord } from './json-value.js';

interface PropertySchema {
  $ref?: string;
  type?: string;
  items?: PropertySchema;
  additionalProperties?: PropertySchema | boolean;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
}

interface Definition {
  type?: string;
  properties?: Record<string, PropertySchema>;
}

/** Where in the type tree a value sits: a struct (named definition), a map with typed values, or no schema. */
export type SchemaNode =
  | { kind: 'struct'; name: string; properties: Record<string, PropertySchema> }
  | { kind: 'map'; values: PropertySchema }
  | { kind: 'none' };

export interface PatchMeta {
  /** patchStrategy contains "merge": lists merge by key (maps) or by value (primitives). */
  merge: boolean;
  /** patchStrategy contains "retainKeys". */
  retainKeys: boolean;
  /** patchStrategy is "replace": a map is replaced whole. */
  replace: boolean;
  /** patchMergeKey; "" when none. */
  mergeKey: string;
}

export interface FieldSchema {
  node: SchemaNode;
  meta: PatchMeta;
}

const noMeta: PatchMeta = { merge: false, retainKeys: false, replace: false, mergeKey: '' };
export const noSchema: SchemaNode = { kind: 'none' };

function definitions(): Record<string, Definition> {
  const doc = loadGenerated<unknown>('definitions.json');
  const defs = isRecord(doc) ? doc.definitions : undefined;
  if (!isRecord(defs)) throw new Error('definitions.json has no "definitions" object');
  return defs as Record<string, Definition>;
}

/** The schema of a top-level object, e.g. "io.k8s.api.core.v1.Pod"; unknown names behave as JSON merge patch. */
export function schemaFor(definition: string): SchemaNode {
  return resolveRef(definition);
}

function resolveRef(name: string): SchemaNode {
  const def = getOwn(definitions(), name);
  if (!def) return noSchema;
  if (def.properties) return { kind: 'struct', name, properties: def.properties };
  return noSchema; // RawExtension, Quantity, Time, IntOrString, JSON ...: no structure to merge by
}

function resolve(p: PropertySchema): SchemaNode {
  if (p.$ref) return resolveRef(p.$ref.replace('#/definitions/', ''));
  if (p.type === 'array' && p.items) return resolve(p.items);
  if (p.type === 'object' && isRecord(p.additionalProperties)) return { kind: 'map', values: p.additionalProperties as PropertySchema };
  return noSchema;
}

function metaOf(p: PropertySchema): PatchMeta {
  const strategies = (p['x-kubernetes-patch-strategy'] ?? '').split(',').filter((s) => s !== '');
  return {
    merge: strategies.includes('merge'),
    retainKeys: strategies.includes('retainKeys'),
    replace: strategies.includes('replace'),
    mergeKey: p['x-kubernetes-patch-merge-key'] ?? '',
  };
}

/**
 * Schema and patch metadata of field `key` of a value at `node`. For a list field, `node` is the schema of
 * its items. Fields the schema does not know have no metadata (merge-patch semantics).
 */
export function lookupField(node: SchemaNode, key: string): FieldSchema {
  switch (node.kind) {
    case 'struct': {
      const p = getOwn(node.properties, key);
      return p ? { node: resolve(p), meta: metaOf(p) } : { node: noSchema, meta: noMeta };
    }
    case 'map':
      return { node: resolve(node.values), meta: noMeta };
    case 'none':
      return { node: noSchema, meta: noMeta };
    default: {
      const no: never = node;
      throw new Error(String(no));
    }
  }
}

export function schemaName(node: SchemaNode): string {
  return node.kind === 'struct' ? node.name : '';
}
