// The type description field management works on: which values are maps (struct fields or granular map keys,
// or atomic), which are lists (atomic, a set of scalars, or a map keyed by some of their items' fields), which
// are scalars, and which are untyped (structure deduced from the value: maps granular, lists atomic).
//
// One builder reads OpenAPI schemas: the built-in definitions (src/api/generated/definitions.json, `$ref`s,
// `x-kubernetes-list-type`, `x-kubernetes-list-map-keys`, `x-kubernetes-map-type`, and for lists without a
// list type the strategic-merge `x-kubernetes-patch-strategy: merge` + `x-kubernetes-patch-merge-key`) and
// the structural schemas of custom resources (inline `properties`, `x-kubernetes-preserve-unknown-fields`,
// `x-kubernetes-int-or-string`, `x-kubernetes-embedded-resource`).
import { getOwn } from '../own.js';
import { isRecord } from '../object.js';
import { loadGenerated } from '../generated-data.js';
import type { PathElement } from './path.js';

export type ListType = 'atomic' | 'set' | 'map';

export type TypeNode =
  | { readonly kind: 'scalar' }
  | { readonly kind: 'untyped' }
  | {
      readonly kind: 'list';
      readonly listType: ListType;
      /** Key fields of a `map` list, in the order the schema names them. */
      readonly keys: readonly string[];
      /** Values a key field takes when an item leaves it out (the schema's default). */
      readonly keyDefault: (key: string) => unknown;
      readonly items: () => TypeNode;
    }
  | {
      readonly kind: 'map';
      readonly atomic: boolean;
      /** The type of a declared (struct) field; undefined for a key that is not a declared field. */
      readonly field: (name: string) => TypeNode | undefined;
      /** The type of any other key (a map's values, or untyped for preserved unknown fields); undefined: none allowed. */
      readonly elements: TypeNode | undefined;
    };

export const scalarType: TypeNode = { kind: 'scalar' };
export const untypedType: TypeNode = { kind: 'untyped' };

/** The type of what sits below `pe` in a value of type `t`. */
export function childType(t: TypeNode, pe: PathElement): TypeNode {
  if (t.kind === 'map' && pe.kind === 'field') return t.field(pe.name) ?? t.elements ?? untypedType;
  if (t.kind === 'list') return t.items();
  return untypedType;
}

/** The subset of JSON schema (OpenAPI v2/v3, CRD structural schema) the builder reads. */
export interface SchemaLike {
  $ref?: string;
  allOf?: SchemaLike[];
  type?: string;
  format?: string;
  properties?: Record<string, SchemaLike>;
  additionalProperties?: SchemaLike | boolean;
  items?: SchemaLike;
  default?: unknown;
  required?: string[];
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
}

/** Resolves `$ref`s of one document; memoised so recursive types (JSONSchemaProps) stay finite. */
export class SchemaTypes {
  private readonly byRef = new Map<string, TypeNode>();

  constructor(
    private readonly lookup: (ref: string) => SchemaLike | undefined,
    /** Defaults of list-map key fields the document itself does not carry. */
    private readonly keyDefaults: (itemRef: string, key: string) => unknown = () => undefined,
  ) {}

  /** The type of a named definition ("io.k8s.api.core.v1.Pod" or "#/definitions/…"). */
  named(ref: string): TypeNode {
    const name = ref.replace(/^#\/(definitions|components\/schemas)\//, '');
    const hit = this.byRef.get(name);
    if (hit) return hit;
    const def = this.lookup(name);
    if (!def) return untypedType;
    // Placeholder first: a definition that refers to itself resolves lazily through field().
    const node = this.build(def, name);
    this.byRef.set(name, node);
    return node;
  }

  /** The type of an inline schema. */
  of(s: SchemaLike): TypeNode {
    return this.build(s, undefined);
  }

  private build(s: SchemaLike, name: string | undefined): TypeNode {
    const ref = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0]?.$ref : undefined);
    if (ref) return this.named(ref);
    if (s['x-kubernetes-int-or-string'] || s.format === 'int-or-string') return scalarType;
    const type = s.type;
    if (type === 'array') return this.list(s);
    if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') return scalarType;
    const props = isRecord(s.properties) ? s.properties : undefined;
    const extra = s.additionalProperties;
    const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
    if (props || s['x-kubernetes-embedded-resource']) return this.struct(s, props ?? {}, name, preserve);
    if (isRecord(extra)) {
      const values = extra as SchemaLike;
      let cached: TypeNode | undefined;
      const elements = (): TypeNode => (cached ??= this.of(values));
      return { kind: 'map', atomic: s['x-kubernetes-map-type'] === 'atomic', field: () => undefined, get elements() { return elements(); } };
    }
    if (type === 'object' && !preserve && name === undefined) {
      // An object schema with nothing declared: a structural schema prunes every key, so none is allowed.
      return { kind: 'map', atomic: s['x-kubernetes-map-type'] === 'atomic', field: () => undefined, elements: undefined };
    }
    return untypedType; // RawExtension, JSON, preserve-unknown-fields without properties, schemas without a type
  }

  private struct(s: SchemaLike, props: Record<string, SchemaLike>, name: string | undefined, preserve: boolean): TypeNode {
    const fields = new Map<string, TypeNode>();
    const embedded = s['x-kubernetes-embedded-resource'] === true;
    const field = (key: string): TypeNode | undefined => {
      const hit = fields.get(key);
      if (hit) return hit;
      let p = getOwn(props, key);
      if (!p && embedded) p = embeddedFields[key as keyof typeof embeddedFields];
      if (!p) return undefined;
      const t = this.build(p, undefined);
      fields.set(key, t);
      return t;
    };
    void name;
    return { kind: 'map', atomic: s['x-kubernetes-map-type'] === 'atomic', field, elements: preserve ? untypedType : undefined };
  }

  private list(s: SchemaLike): TypeNode {
    const items = s.items ?? {};
    let listType: ListType = 'atomic';
    let keys: readonly string[] = [];
    const declared = s['x-kubernetes-list-type'];
    if (declared === 'set') listType = 'set';
    else if (declared === 'map') {
      listType = 'map';
      keys = Array.isArray(s['x-kubernetes-list-map-keys']) ? s['x-kubernetes-list-map-keys'] : [];
    } else if (declared === undefined) {
      const strategies = (s['x-kubernetes-patch-strategy'] ?? '').split(',');
      if (strategies.includes('merge')) {
        const key = s['x-kubernetes-patch-merge-key'];
        listType = key ? 'map' : 'set';
        keys = key ? [key] : [];
      }
    }
    let cached: TypeNode | undefined;
    const itemType = (): TypeNode => (cached ??= this.of(items));
    const itemRef = (items.$ref ?? '').replace(/^#\/definitions\//, '');
    const itemProps = (): Record<string, SchemaLike> => {
      const def = itemRef ? this.lookup(itemRef) : items;
      return isRecord(def?.properties) ? def.properties : {};
    };
    const keyDefault = (key: string): unknown => getOwn(itemProps(), key)?.default ?? (itemRef ? this.keyDefaults(itemRef, key) : undefined);
    return { kind: 'list', listType, keys, keyDefault, items: itemType };
  }
}

/** What `x-kubernetes-embedded-resource` adds to an object's declared fields. */
const embeddedFields = {
  apiVersion: { type: 'string' },
  kind: { type: 'string' },
  metadata: { $ref: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
} satisfies Record<string, SchemaLike>;

// ---- the built-in types ----

/**
 * Defaults of list-map key fields in Kubernetes' Go types (`+default` markers) that the OpenAPI v2 document
 * does not carry: an applied container port or service port without a protocol is keyed as TCP.
 */
const builtinKeyDefaults: Record<string, unknown> = {
  'io.k8s.api.core.v1.ContainerPort.protocol': 'TCP',
  'io.k8s.api.core.v1.ServicePort.protocol': 'TCP',
  'io.k8s.api.core.v1.LocalObjectReference.name': '',
};

let builtins: SchemaTypes | undefined;

function builtinDefinitions(): Record<string, SchemaLike> {
  const doc = loadGenerated<unknown>('definitions.json');
  const defs = isRecord(doc) ? doc['definitions'] : undefined;
  if (!isRecord(defs)) throw new Error('definitions.json has no "definitions" object');
  return defs as Record<string, SchemaLike>;
}

/** The type of a built-in kind by its OpenAPI definition name, e.g. "io.k8s.api.apps.v1.Deployment". */
export function builtinType(definition: string): TypeNode {
  builtins ??= new SchemaTypes(
    (name) => getOwn(builtinDefinitions(), name),
    (itemRef, key) => builtinKeyDefaults[`${itemRef}.${key}`],
  );
  return builtins.named(definition);
}

/** The raw definition (for the zero-object baseline of creates). */
export function builtinDefinition(definition: string): SchemaLike | undefined {
  return getOwn(builtinDefinitions(), definition);
}

/**
 * The type of a custom resource from its structural schema (`openAPIV3Schema`): apiVersion, kind and metadata
 * (ObjectMeta) are declared fields whatever the schema says.
 */
export function customResourceType(openAPIV3Schema: SchemaLike | undefined): TypeNode {
  const schema: SchemaLike = { type: 'object', ...(openAPIV3Schema ?? { 'x-kubernetes-preserve-unknown-fields': true }) };
  const types = new SchemaTypes((name) => getOwn(builtinDefinitions(), name));
  const props = { ...(isRecord(schema.properties) ? schema.properties : {}) };
  props['apiVersion'] = { type: 'string' };
  props['kind'] = { type: 'string' };
  props['metadata'] = { $ref: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' };
  return types.of({ ...schema, properties: props });
}
