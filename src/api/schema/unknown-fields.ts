// Unknown-field detection as kube-apiserver's strict JSON decoding (sigs.k8s.io/json) reports it for
// fieldValidation=Strict (400 BadRequest) and Warn (one Warning header per field).
import { isRecord } from '../object.js';
import { refTo } from '../openapi/definitions.js';
import { resolveNode } from './shape.js';
import type { Schema } from '../openapi/definitions.js';

/** sigs.k8s.io/json stops collecting strict errors after this many. */
const maxReported = 100;

/**
 * Paths of the fields in `obj` that the schema of `definition` does not know, in document order:
 * "spec.containers[0].imagee", "metadata.foo", "foo" (top level). Map values are entered with ".<key>".
 * Values of the wrong JSON type are not entered (typeErrors reports those).
 */
export function unknownFields(definition: string, obj: unknown): string[] {
  const out: string[] = [];
  walk(refTo(definition), obj, '', out);
  return [...new Set(out)].slice(0, maxReported);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function walk(node: Schema, value: unknown, path: string, out: string[]): void {
  if (out.length >= maxReported) return;
  const { shape } = resolveNode(node);
  switch (shape.kind) {
    case 'struct':
      if (!isRecord(value)) return;
      for (const [key, child] of Object.entries(value)) {
        const property = Object.hasOwn(shape.properties, key) ? shape.properties[key] : undefined;
        if (property) walk(property, child, join(path, key), out);
        else out.push(join(path, key));
      }
      return;
    case 'map':
      if (!isRecord(value)) return;
      for (const [key, child] of Object.entries(value)) walk(shape.values, child, join(path, key), out);
      return;
    case 'array':
      if (!Array.isArray(value)) return;
      value.forEach((child, i) => walk(shape.items, child, `${path}[${i}]`, out));
      return;
    default:
      return;
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
