// Unknown-field detection as kube-apiserver's strict JSON decoding (sigs.k8s.io/json) reports it for
// fieldValidation=Strict (400 BadRequest) and Warn (one Warning header per field). For custom resources this is
// the pruning of apiextensions-apiserver: under `x-kubernetes-preserve-unknown-fields` unknown fields stay, but the
// node's declared properties (and additionalProperties) are still pruned by their own schemas — among them the
// metadata of embedded resources, published as ObjectMeta, whose unknown fields kube-apiserver drops.
import { isRecord } from '../object.js';
import { refTo } from '../openapi/definitions.js';
import { resolveNode } from './shape.js';
import type { Schema } from '../openapi/definitions.js';

/** sigs.k8s.io/json stops collecting strict errors after this many. */
const maxReported = 100;

/** One step of a path: a property or map key, or a list index. */
export type PathStep = string | number;

/**
 * Called for each field of `obj` the schema of `definition` does not know, in document order: the object holding
 * it, its key, and its path as steps (a map key that contains dots is one step; the array is reused, copy it to
 * keep it). Removing `parent[key]` from the visitor is safe. Returning false stops the walk. Values of the wrong
 * JSON type are not entered (typeErrors reports those). The walk is bounded by the decoded body's size and depth.
 */
export type UnknownFieldVisitor = (parent: Record<string, unknown>, key: string, path: readonly PathStep[]) => boolean | void;

export function visitUnknownFields(definition: string, obj: unknown, visit: UnknownFieldVisitor): void {
  walk(refTo(definition), obj, [], visit);
}

/**
 * The unknown fields as sigs.k8s.io/json words them: "spec.containers[0].imagee", "metadata.foo", "foo" (top
 * level); map values are entered with ".<key>". Each path once, at most 100.
 */
export function unknownFields(definition: string, obj: unknown): string[] {
  const out = new Set<string>();
  visitUnknownFields(definition, obj, (_parent, _key, path) => {
    out.add(formatPath(path));
    return out.size < maxReported;
  });
  return [...out];
}

function formatPath(steps: readonly PathStep[]): string {
  let out = '';
  for (const s of steps) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

/** Walks one node; false once the visitor asked to stop. `path` is one stack shared by the whole walk. */
function walk(node: Schema, value: unknown, path: PathStep[], visit: UnknownFieldVisitor): boolean {
  if (node['x-kubernetes-preserve-unknown-fields'] === true) return preserving(node, value, path, visit);
  const { shape } = resolveNode(node);
  switch (shape.kind) {
    case 'struct':
      if (!isRecord(value)) return true;
      for (const [key, child] of Object.entries(value)) {
        const property = Object.hasOwn(shape.properties, key) ? shape.properties[key] : undefined;
        path.push(key);
        const go = property ? walk(property, child, path, visit) : visit(value, key, path) !== false;
        path.pop();
        if (!go) return false;
      }
      return true;
    case 'map':
      if (!isRecord(value)) return true;
      for (const [key, child] of Object.entries(value)) {
        path.push(key);
        const go = walk(shape.values, child, path, visit);
        path.pop();
        if (!go) return false;
      }
      return true;
    case 'array':
      if (!Array.isArray(value)) return true;
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        const go = walk(shape.items, value[i], path, visit);
        path.pop();
        if (!go) return false;
      }
      return true;
    default:
      return true;
  }
}

/** A preserve-unknown-fields node (apiextensions' skipPrune): only what its schema declares is walked. */
function preserving(node: Schema, value: unknown, path: PathStep[], visit: UnknownFieldVisitor): boolean {
  if (isRecord(value)) {
    const properties = isRecord(node['properties']) ? (node['properties'] as Record<string, Schema>) : undefined;
    const values = isRecord(node['additionalProperties']) ? (node['additionalProperties'] as Schema) : undefined;
    for (const [key, child] of Object.entries(value)) {
      const property = properties && Object.hasOwn(properties, key) ? properties[key] : undefined;
      const schema = property ?? values;
      if (!schema) continue;
      path.push(key);
      const go = walk(schema, child, path, visit);
      path.pop();
      if (!go) return false;
    }
  } else if (Array.isArray(value) && isRecord(node['items'])) {
    const items = node['items'] as Schema;
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const go = preserving(items, value[i], path, visit);
      path.pop();
      if (!go) return false;
    }
  }
  return true;
}

/**
 * The decoder error for fieldValidation=Strict. kube-apiserver answers 400 BadRequest with it prefixed:
 * `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"`.
 */
export function strictDecodingMessage(paths: readonly string[]): string {
  return `strict decoding error: ${paths.map(unknownFieldMessage).join(', ')}`;
}

/** One Warning header text per unknown field, for fieldValidation=Warn. */
export function unknownFieldMessage(path: string): string {
  return `unknown field "${path}"`;
}
