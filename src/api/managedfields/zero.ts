// The empty object of a built-in kind as Kubernetes' Go types serialise it: the baseline a create is compared
// against, so that the creator owns what it set, and containers that exist in the empty object (spec, status,
// a Deployment's template, required lists) are not themselves "added". A field is present in the empty object
// when Go writes it without omitempty (OpenAPI's `required`) or when it is a struct held by value.
import { getOwn } from '../own.js';
import { builtinDefinition, type SchemaLike } from './schema.js';

/** Struct fields held by value though optional (omitempty does not omit a struct), beyond spec/status/metadata. */
const valueStructFields = new Set([
  'io.k8s.api.apps.v1.DeploymentSpec.strategy',
  'io.k8s.api.apps.v1.DaemonSetSpec.updateStrategy',
  'io.k8s.api.apps.v1.StatefulSetSpec.updateStrategy',
  'io.k8s.api.apps.v1.ReplicaSetSpec.template',
  'io.k8s.api.core.v1.PodTemplate.template',
  'io.k8s.api.core.v1.Container.resources',
  'io.k8s.api.core.v1.Event.source',
]);

const alwaysValue = new Set(['metadata', 'spec', 'status']);
const maxDepth = 12;

function refName(p: SchemaLike): string | undefined {
  const ref = p.$ref ?? (p.allOf?.length === 1 ? p.allOf[0]?.$ref : undefined);
  return ref?.replace(/^#\/definitions\//, '');
}

function isStruct(def: SchemaLike | undefined): def is SchemaLike {
  return !!def && !!def.properties && def['x-kubernetes-map-type'] !== 'atomic';
}

function scalarZero(p: SchemaLike): unknown {
  switch (p.type) {
    case 'string':
      return p.format === 'byte' ? null : '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

export function zeroObject(definition: string): Record<string, unknown> {
  const def = builtinDefinition(definition);
  return def ? zeroOf(definition, def, 0) : {};
}

function zeroOf(name: string, def: SchemaLike, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (depth > maxDepth) return out;
  const required = new Set(def.required ?? []);
  for (const [field, p] of Object.entries(def.properties ?? {})) {
    if (field === 'apiVersion' || field === 'kind') continue;
    const ref = refName(p);
    const target = ref ? builtinDefinition(ref) : undefined;
    const byValue = alwaysValue.has(field) || valueStructFields.has(`${name}.${field}`) || required.has(field);
    if (ref && isStruct(target) && byValue) {
      out[field] = zeroOf(ref, target, depth + 1);
    } else if (required.has(field)) {
      out[field] = ref ? null : scalarZero(getOwn(def.properties ?? {}, field) ?? {});
    }
  }
  return out;
}
