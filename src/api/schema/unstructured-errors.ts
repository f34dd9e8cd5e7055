// Wrongly typed values as apimachinery's unstructured converter (runtime.DefaultUnstructuredConverter) words them.
// kube-apiserver turns a strategic-merge-patched map into the typed object with that converter, so its errors,
// not encoding/json's, answer a strategic merge patch: "cannot convert float64 to int32", "unrecognized type: int32",
// "cannot restore map from slice". The converter names no field.
import { isRecord } from '../object.js';
import { isCustomDefinition, refTo, type Schema } from '../openapi/definitions.js';
import { resolveNode } from './shape.js';
import { quantityError, quantityFormatMessage } from './type-errors.js';

/** reflect.Kind of a value decoded from JSON with integers kept (sigs.k8s.io/json). */
function goKind(value: unknown): string {
  if (Array.isArray(value)) return 'slice';
  if (isRecord(value)) return 'map';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER ? 'int64' : 'float64';
  return 'interface';
}

const intRanges: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** The first conversion error in `obj` against the schema of `definition`, or undefined. */
export function unstructuredError(definition: string, obj: unknown): string | undefined {
  // custom resources decode into unstructured objects: their schema is checked by validation (422), not here
  if (isCustomDefinition(definition)) return undefined;
  return check(refTo(definition), obj);
}

function check(node: Schema, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  const { shape, goType } = resolveNode(node);
  const kind = goKind(value);
  switch (shape.kind) {
    case 'struct': {
      if (!isRecord(value)) return `cannot restore struct from: ${kind}`;
      for (const [key, child] of Object.entries(value)) {
        const property = Object.hasOwn(shape.properties, key) ? shape.properties[key] : undefined;
        const e = property ? check(property, child) : undefined;
        if (e) return e;
      }
      return undefined;
    }
    case 'map': {
      if (!isRecord(value)) return `cannot restore map from ${kind}`;
      for (const child of Object.values(value)) {
        const e = check(shape.values, child);
        if (e) return e;
      }
      return undefined;
    }
    case 'array': {
      if (!Array.isArray(value)) return `cannot convert ${kind} to slice`;
      for (const child of value) {
        const e = check(shape.items, child);
        if (e) return e;
      }
      return undefined;
    }
    case 'bytes':
      return typeof value === 'string' ? undefined : `cannot convert ${kind} to slice`;
    case 'string':
      if (kind === 'string') return undefined;
      // Go converts an integer to a string only by rune, which the converter refuses by name.
      return kind === 'int64' ? 'cannot convert int64 to string' : 'unrecognized type: string';
    case 'boolean':
      return kind === 'bool' ? undefined : 'unrecognized type: bool';
    case 'number':
      if (typeof value !== 'number') return `unrecognized type: ${goType}`;
      return Number.isFinite(value) ? undefined : `cannot convert float64 to ${goType}`;
    case 'integer': {
      if (typeof value !== 'number') return `unrecognized type: ${goType}`;
      if (!Number.isInteger(value)) return `cannot convert float64 to ${goType}`;
      // Go's conversion would wrap an out-of-range integer silently; a value that does not fit is refused instead.
      const [min, max] = intRanges[goType] ?? [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
      return value >= min && value <= max ? undefined : `cannot convert ${kind} to ${goType}`;
    }
    case 'int-or-string':
      // IntOrString decodes itself from JSON: a string as is, anything else into its int32
      if (typeof value === 'string') return undefined;
      if (typeof value !== 'number') return `json: cannot unmarshal ${kind === 'slice' ? 'array' : kind === 'map' ? 'object' : kind} into Go value of type int32`;
      return Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 ? undefined : `json: cannot unmarshal number ${String(value)} into Go value of type int32`;
    case 'quantity':
      if (typeof value === 'number') return Number.isFinite(value) ? undefined : quantityFormatMessage;
      return typeof value === 'string' ? quantityError(value) : quantityFormatMessage;
    case 'time':
      return typeof value === 'string' ? undefined : `json: cannot unmarshal ${kind === 'slice' ? 'array' : kind === 'map' ? 'object' : kind === 'bool' ? 'bool' : 'number'} into Go value of type string`;
    case 'opaque':
      return undefined;
    default: {
      const no: never = shape;
      throw new Error(`unhandled shape ${JSON.stringify(no)}`);
    }
  }
}
