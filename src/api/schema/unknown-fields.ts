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
 * The fields in `obj` that the schema of `definition` does not know, in document order, as steps (a map key that
 * contains dots is one step). Values of the wrong JSON type are not entered (typeErrors reports those).
 */
export function unknownFieldPaths(definition: string, obj: unknown): PathStep[][] {
  const out: PathStep[][] = [];
  walk(refTo(definition), obj, [], out);
  return out;
}

/**
 * The same as sigs.k8s.io/json words them: "spec.containers[0].imagee", "metadata.foo", "foo" (top level); map
 * values are entered with ".<key>". Repeats are reported once.
 */
export function unknownFields(definition: string, obj: unknown): string[] {
  return [...new Set(unknownFieldPaths(definition, obj).map(formatPath))].slice(0, maxReported);
}

export function formatPath(steps: readonly PathStep[]): string {
  let out = '';
  for (const s of steps) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

// Every unknown field is collected (they are all pruned); the walk is bounded by the decoded body's size and depth.
function walk(node: Schema, value: unknown, path: PathStep[], out: PathStep[][]): void {
  if (node['x-kubernetes-preserve-unknown-fields'] === true) return preserving(node, value, path, out);
  const { shape } = resolveNode(node);
  switch (shape.kind) {
    case 'struct':
      if (!isRecord(value)) return;
      for (const [key, child] of Object.entries(value)) {
        const property = Object.hasOwn(shape.properties, key) ? shape.properties[key] : undefined;
        if (property) walk(property, child, [...path, key], out);
        else out.push([...path, key]);
      }
      return;
    case 'map':
      if (!isRecord(value)) return;
      for (const [key, child] of Object.entries(value)) walk(shape.values, child, [...path, key], out);
      return;
    case 'array':
      if (!Array.isArray(value)) return;
      value.forEach((child, i) => walk(shape.items, child, [...path, i], out));
      return;
    default:
      return;
  }
}

/** A preserve-unknown-fields node (apiextensions' skipPrune): only what its schema declares is walked. */
function preserving(node: Schema, value: unknown, path: PathStep[], out: PathStep[][]): void {
  if (isRecord(value)) {
    const properties = isRecord(node['properties']) ? (node['properties'] as Record<string, Schema>) : undefined;
    const values = isRecord(node['additionalProperties']) ? (node['additionalProperties'] as Schema) : undefined;
    for (const [key, child] of Object.entries(value)) {
      const property = properties && Object.hasOwn(properties, key) ? properties[key] : undefined;
      if (property) walk(property, child, [...path, key], out);
      else if (values) walk(values, child, [...path, key], out);
    }
  } else if (Array.isArray(value) && isRecord(node['items'])) {
    const items = node['items'] as Schema;
    value.forEach((child, i) => preserving(items, child, [...path, i], out));
  }
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
