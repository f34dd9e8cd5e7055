// The size facts of an OpenAPI schema that CEL's static cost estimate needs (what Kubernetes' SchemaDeclType
// derives): for each node its kind, the most elements it can hold (maxLength/maxItems/maxProperties, or what fits
// in one request when the schema declares no bound) and the smallest JSON it serializes to. The schema comes from
// a client; nesting is bounded, properties are read as own keys only.
import { isRecord } from '../object.js';

/** The largest request body kube-apiserver accepts (3 MiB), the bound of every undeclared size. */
export const maxRequestSizeBytes = 3 * 1024 * 1024;

export type DeclKind = 'object' | 'map' | 'list' | 'string' | 'bytes' | 'bool' | 'int' | 'double' | 'duration' | 'timestamp' | 'dyn';

export interface DeclType {
  readonly kind: DeclKind;
  /** Most characters (strings counted in bytes: 4 per declared character), items or entries; 0 for scalars. */
  readonly maxElements: number;
  /** Fewest bytes the value serializes to in JSON. */
  readonly minSerializedSize: number;
  /** Items of a list, values of a map. */
  readonly elem?: DeclType;
  /** Keys of a map. */
  readonly key?: DeclType;
  /** Fields of an object, by property name. */
  readonly fields?: ReadonlyMap<string, DeclType>;
}

const maxDepth = 64;
const simple = (kind: DeclKind, minSerializedSize: number, maxElements = 0): DeclType => ({ kind, maxElements, minSerializedSize });
const stringKey = simple('string', 2);

const nonNegative = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.floor(v)) : undefined);

/** The longest string of a schema that declares no maxLength (formats with a fixed size are bounded by it). */
function maxStringLengthPerRequest(s: Record<string, unknown>): number {
  if (s['x-kubernetes-int-or-string'] === true) return maxRequestSizeBytes - 2;
  switch (s['format']) {
    case 'duration':
    case 'date-time':
      return 32;
    case 'date':
      return 12;
    default:
      return maxRequestSizeBytes - 2;
  }
}

const maxListItemsFromMinSize = (minSize: number) => Math.floor((maxRequestSizeBytes - 2) / (minSize + 1));
const maxMapEntriesFromMinSize = (minSize: number) => Math.floor((maxRequestSizeBytes - 2) / (minSize + 6));

/** How many times data of this smallest size could repeat within one request: a rule's worst-case number of runs. */
export function maxCardinality(minSerializedSize: number): number {
  return Math.floor(maxRequestSizeBytes / (minSerializedSize + 1));
}

/**
 * The declared type of a schema node, or undefined where CEL cannot see the value (no type, or a list or map of
 * such). `resourceRoot` adds apiVersion, kind and metadata.name/generateName, as at the root of a custom resource
 * or an embedded resource.
 */
export function schemaDeclType(schema: unknown, resourceRoot: boolean, depth = 0): DeclType | undefined {
  if (!isRecord(schema) || depth > maxDepth) return undefined;
  if (schema['x-kubernetes-int-or-string'] === true) {
    const maxLength = nonNegative(schema['maxLength']);
    return simple('dyn', 1, maxLength !== undefined ? maxLength * 4 : maxStringLengthPerRequest(schema));
  }
  const embedded = (s: unknown) => isRecord(s) && s['x-kubernetes-embedded-resource'] === true;
  switch (schema['type']) {
    case 'array': {
      const items = schemaDeclType(schema['items'], embedded(schema['items']), depth + 1);
      if (!items) return undefined;
      const maxItems = nonNegative(schema['maxItems']) ?? maxListItemsFromMinSize(items.minSerializedSize);
      return { kind: 'list', maxElements: maxItems, minSerializedSize: 2, elem: items };
    }
    case 'object': {
      const additional = schema['additionalProperties'];
      if (isRecord(additional)) {
        const values = schemaDeclType(additional, embedded(additional), depth + 1);
        if (!values) return undefined;
        const maxProperties = nonNegative(schema['maxProperties']) ?? maxMapEntriesFromMinSize(values.minSerializedSize);
        return { kind: 'map', maxElements: maxProperties, minSerializedSize: 2, elem: values, key: stringKey };
      }
      const props = isRecord(schema['properties']) ? schema['properties'] : {};
      const required = new Set(Array.isArray(schema['required']) ? schema['required'].filter((r): r is string => typeof r === 'string') : []);
      const fields = new Map<string, DeclType>();
      let minSerializedSize = 2;
      for (const [name, prop] of Object.entries(props)) {
        const t = schemaDeclType(prop, embedded(prop), depth + 1);
        if (!t) continue;
        fields.set(name, t);
        if (required.has(name) && isRecord(prop) && prop['default'] === undefined) minSerializedSize += name.length + t.minSerializedSize + 4;
      }
      if (resourceRoot) {
        const str = schemaDeclType({ type: 'string' }, false)!;
        for (const k of ['apiVersion', 'kind']) if (!fields.has(k)) fields.set(k, str);
        const meta = fields.get('metadata');
        if (!meta || meta.kind !== 'object' || !meta.fields?.has('name') || !meta.fields.has('generateName')) {
          fields.set('metadata', { kind: 'object', maxElements: 0, minSerializedSize: 2, fields: new Map([['name', str], ['generateName', str]]) });
        }
      }
      return { kind: 'object', maxElements: 0, minSerializedSize, fields };
    }
    case 'string': {
      const maxLength = nonNegative(schema['maxLength']);
      switch (schema['format']) {
        case 'byte':
          return simple('bytes', 2, maxLength ?? maxStringLengthPerRequest(schema));
        case 'duration':
          return simple('duration', 3, maxStringLengthPerRequest(schema));
        case 'date':
          return simple('timestamp', 12, maxStringLengthPerRequest(schema));
        case 'date-time':
          return simple('timestamp', 21, maxStringLengthPerRequest(schema));
      }
      if (maxLength !== undefined) return simple('string', 2, maxLength * 4);
      const enumValues = Array.isArray(schema['enum']) ? schema['enum'] : [];
      if (enumValues.length > 0) return simple('string', 2, Math.max(0, ...enumValues.map((v) => (typeof v === 'string' ? Buffer.byteLength(v) : 0))));
      return simple('string', 2, maxStringLengthPerRequest(schema));
    }
    case 'boolean':
      return simple('bool', 4);
    case 'number':
      return simple('double', 1);
    case 'integer':
      return simple('int', 1);
    default:
      return undefined;
  }
}
