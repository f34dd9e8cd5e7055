// JSON values of the wrong type, worded as Go's encoding/json (as used by kube-apiserver) words them:
// "json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container".
// The field path is the chain of struct fields from the root without list indices or map keys, and the struct named
// is the innermost one holding the field, as Go's decoder keeps them.
import { isRecord } from '../object.js';
import { isCustomDefinition, refTo, type Schema } from '../openapi/definitions.js';
import { numberText } from './number-literals.js';
import { resolveNode } from './shape.js';

export const quantityFormatMessage = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const quantitySuffixMessage = "unable to parse quantity's suffix";

/** The struct fields from the root, innermost last, as a chain (joined only for a message). */
interface FieldPath {
  name: string;
  parent: FieldPath | undefined;
}

function joinPath(p: FieldPath | undefined): string {
  const names: string[] = [];
  for (let at = p; at; at = at.parent) names.push(at.name);
  return names.reverse().join('.');
}

interface Context {
  struct: string;
  fields: FieldPath | undefined;
  /** Where the value sits (its parent and key), to quote a number literal as it was written. */
  holder?: unknown;
  key?: string | number;
}

/**
 * Every wrongly typed value in `obj` against the schema of `definition`, in document order.
 * kube-apiserver reports only the first, as 400 BadRequest:
 * `<Kind> in version "<version>" cannot be handled as a <Kind>: <message>`.
 */
export function typeErrors(definition: string, obj: unknown): string[] {
  // custom resources decode into unstructured objects: their schema is checked by validation (422), not here
  if (isCustomDefinition(definition)) return [];
  const out: string[] = [];
  walk(refTo(definition), obj, { struct: '', fields: undefined }, out);
  return out;
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  return 'object';
}

function cannotUnmarshal(what: string, goType: string, ctx: Context): string {
  if (ctx.struct === '' && ctx.fields === undefined) return `json: cannot unmarshal ${what} into Go value of type ${goType}`;
  return `json: cannot unmarshal ${what} into Go struct field ${ctx.struct}.${joinPath(ctx.fields)} of type ${goType}`;
}

const intRanges: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  int: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

function literal(value: number, ctx: Context): string {
  return `number ${ctx.key === undefined ? String(value) : numberText(ctx.holder, ctx.key, value)}`;
}

function integerError(value: number, goType: string, ctx: Context): string | undefined {
  const [min, max] = intRanges[goType] ?? intRanges['int64'] ?? [0, 0];
  if (Number.isInteger(value) && value >= min && value <= max) return undefined;
  return cannotUnmarshal(literal(value, ctx), goType, ctx);
}

/** A number no Go float holds (an overflowing literal) is refused wherever it stands. */
function floatError(value: unknown, goType: string, ctx: Context): string | undefined {
  if (typeof value !== 'number' || Number.isFinite(value)) return undefined;
  return cannotUnmarshal(literal(value, ctx), goType, ctx);
}

/** Non-finite numbers anywhere inside an untyped value (RawExtension, preserve-unknown-fields); iterative, as
 * such values nest as deep as the client made them. */
function opaqueErrors(root: unknown, ctx: Context, out: string[]): void {
  const stack: Array<{ value: unknown; holder: unknown; key: string | number | undefined }> = [{ value: root, holder: ctx.holder, key: ctx.key }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value } = item;
    if (Array.isArray(value)) value.forEach((v, i) => stack.push({ value: v, holder: value, key: i }));
    else if (isRecord(value)) for (const [k, v] of Object.entries(value)) stack.push({ value: v, holder: value, key: k });
    else {
      const e = floatError(value, 'float64', { ...ctx, holder: item.holder, ...(item.key !== undefined ? { key: item.key } : {}) });
      if (e) return void out.push(e);
    }
  }
}

const quantityPattern = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const quantitySuffixes = new Set(['', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei']);

export function quantityError(text: string): string | undefined {
  const m = quantityPattern.exec(text.trim());
  if (!m) return quantityFormatMessage;
  const suffix = m[2] ?? '';
  if (!quantitySuffixes.has(suffix) && !/^[eE][-+]?[0-9]+$/.test(suffix)) return quantitySuffixMessage;
  return undefined;
}

function walk(node: Schema, value: unknown, ctx: Context, out: string[]): void {
  if (value === null || value === undefined) return; // null leaves any Go value at its zero value
  const { shape, goType } = resolveNode(node);
  const wrong = () => out.push(cannotUnmarshal(jsonKind(value), goType, ctx));
  switch (shape.kind) {
    case 'struct':
      if (!isRecord(value)) return void wrong();
      for (const [key, child] of Object.entries(value)) {
        const property = Object.hasOwn(shape.properties, key) ? shape.properties[key] : undefined;
        if (property) walk(property, child, { struct: shape.structName || ctx.struct, fields: { name: key, parent: ctx.fields }, holder: value, key }, out);
      }
      return;
    case 'map':
      if (!isRecord(value)) return void wrong();
      for (const [key, child] of Object.entries(value)) walk(shape.values, child, { ...ctx, holder: value, key }, out);
      return;
    case 'array':
      if (!Array.isArray(value)) return void wrong();
      value.forEach((child, i) => walk(shape.items, child, { ...ctx, holder: value, key: i }, out));
      return;
    case 'string':
    case 'bytes':
      if (typeof value !== 'string') wrong();
      return;
    case 'boolean':
      if (typeof value !== 'boolean') wrong();
      return;
    case 'number': {
      if (typeof value !== 'number') return void wrong();
      const e = floatError(value, goType, ctx);
      if (e) out.push(e);
      return;
    }
    case 'integer': {
      if (typeof value !== 'number') return void wrong();
      const e = integerError(value, goType, ctx);
      if (e) out.push(e);
      return;
    }
    case 'int-or-string': {
      // IntOrString.UnmarshalJSON takes a string as is and decodes anything else into its int32
      if (typeof value === 'string') return;
      if (typeof value !== 'number') return void out.push(cannotUnmarshal(jsonKind(value), 'int32', ctx));
      const e = integerError(value, 'int32', ctx);
      if (e) out.push(e);
      return;
    }
    case 'quantity': {
      if (typeof value === 'number') {
        const e = floatError(value, 'float64', ctx);
        if (e) out.push(e);
        return;
      }
      const e = typeof value === 'string' ? quantityError(value) : quantityFormatMessage;
      if (e) out.push(e);
      return;
    }
    case 'time':
      // metav1.Time.UnmarshalJSON decodes into a string first
      if (typeof value !== 'string') out.push(cannotUnmarshal(jsonKind(value), 'string', ctx));
      return;
    case 'opaque':
      opaqueErrors(value, ctx, out);
      return;
    default: {
      const no: never = shape;
      throw new Error(`unhandled shape ${JSON.stringify(no)}`);
    }
  }
}
