// What Go type stands behind an OpenAPI schema node: the shape the JSON decoder walks, and the type's name as Go prints it.
import { isRecord } from '../object.js';
import { definition, refTarget, type Schema } from '../openapi/definitions.js';

export type Shape =
  | { kind: 'struct'; structName: string; properties: Readonly<Record<string, Schema>> }
  | { kind: 'map'; values: Schema }
  | { kind: 'array'; items: Schema }
  | { kind: 'string' | 'bytes' | 'integer' | 'number' | 'boolean' }
  /** Types with their own UnmarshalJSON: int-or-string, resource.Quantity, metav1.Time/MicroTime. */
  | { kind: 'int-or-string' | 'quantity' | 'time' }
  /** Anything goes: RawExtension, FieldsV1, preserve-unknown-fields, untyped JSON. */
  | { kind: 'opaque' };

export interface Resolved {
  shape: Shape;
  /** reflect.Type.String() of the Go type, e.g. "v1.PodSpec", "[]v1.Container", "map[string]string", "int32". */
  goType: string;
}

const special: Record<string, Resolved> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { shape: { kind: 'int-or-string' }, goType: 'intstr.IntOrString' },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { shape: { kind: 'quantity' }, goType: 'resource.Quantity' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': { shape: { kind: 'time' }, goType: 'v1.Time' },
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': { shape: { kind: 'time' }, goType: 'v1.MicroTime' },
};

const empty: Schema = {};
/** By definition name, with the schema it was resolved from (definitions added at run time can be replaced). */
const cache = new Map<string, { schema: Schema | undefined; resolved: Resolved }>();

/** The definition name a node stands for, looking through `$ref` and a single-element `allOf`. */
function referenced(node: Schema): string | undefined {
  const direct = refTarget(node['$ref']);
  if (direct) return direct;
  const allOf = node['allOf'];
  if (Array.isArray(allOf) && allOf.length === 1 && isRecord(allOf[0])) return refTarget(allOf[0]['$ref']);
  return undefined;
}

export function resolveDefinition(name: string): Resolved {
  const schema = definition(name);
  const hit = cache.get(name);
  if (hit && hit.schema === schema) return hit.resolved;
  const dot = name.lastIndexOf('.');
  const typeName = name.slice(dot + 1);
  const pkg = name.slice(name.lastIndexOf('.', dot - 1) + 1, dot);
  let resolved: Resolved;
  if (special[name]) resolved = special[name];
  else if (!schema) resolved = { shape: { kind: 'opaque' }, goType: `${pkg}.${typeName}` };
  else if (isRecord(schema['properties']) && schema['x-kubernetes-preserve-unknown-fields'] !== true) {
    resolved = { shape: { kind: 'struct', structName: typeName, properties: schema['properties'] as Record<string, Schema> }, goType: `${pkg}.${typeName}` };
  } else {
    const inner = resolveNode(schema);
    resolved = { shape: inner.shape, goType: inner.shape.kind === 'opaque' || inner.shape.kind === 'map' ? `${pkg}.${typeName}` : inner.goType };
  }
  cache.set(name, { schema, resolved });
  return resolved;
}

const byNode = new WeakMap<Schema, Resolved>();

export function resolveNode(node: Schema): Resolved {
  let hit = byNode.get(node);
  if (!hit) byNode.set(node, (hit = resolveUncached(node)));
  return hit;
}

function resolveUncached(node: Schema): Resolved {
  const name = referenced(node);
  if (name) return resolveDefinition(name);
  if (node['x-kubernetes-preserve-unknown-fields'] === true) return { shape: { kind: 'opaque' }, goType: 'interface {}' };
  const type = node['type'];
  const format = node['format'];
  switch (type) {
    case 'string':
      if (format === 'int-or-string') return { shape: { kind: 'int-or-string' }, goType: 'intstr.IntOrString' };
      if (format === 'byte') return { shape: { kind: 'bytes' }, goType: '[]uint8' };
      return { shape: { kind: 'string' }, goType: 'string' };
    case 'integer':
      return { shape: { kind: 'integer' }, goType: format === 'int32' ? 'int32' : format === 'int64' ? 'int64' : 'int' };
    case 'number':
      return { shape: { kind: 'number' }, goType: format === 'float' ? 'float32' : 'float64' };
    case 'boolean':
      return { shape: { kind: 'boolean' }, goType: 'bool' };
    case 'array': {
      const items = isRecord(node['items']) ? (node['items'] as Schema) : empty;
      return { shape: { kind: 'array', items }, goType: `[]${resolveNode(items).goType}` };
    }
    case 'object': {
      const values = node['additionalProperties'];
      if (isRecord(values)) return { shape: { kind: 'map', values: values as Schema }, goType: `map[string]${resolveNode(values as Schema).goType}` };
      if (isRecord(node['properties'])) return { shape: { kind: 'struct', structName: '', properties: node['properties'] as Record<string, Schema> }, goType: 'struct' };
      return { shape: { kind: 'opaque' }, goType: 'map[string]interface {}' };
    }
    default:
      return { shape: { kind: 'opaque' }, goType: 'interface {}' };
  }
}
