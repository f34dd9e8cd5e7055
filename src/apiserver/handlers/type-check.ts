// Type checks of request bodies and patch results against the kind's schema, answered as kube-apiserver answers:
// a body that does not decode is 400 BadRequest ("… cannot be handled as a …"); a patch whose result does not
// decode is 422 Invalid on the field "patch" (its value: the patched JSON for JSON and merge patches, Go's
// rendering of the patch map for strategic merge patches, whose errors come from the unstructured converter).
import { decodeError, typeErrors, unstructuredError, type DecodeTarget } from '../../api/schema/index.js';
import { isRecord } from '../../api/object.js';
import { errors, field } from '../../api/status.js';

/** Create/update bodies (JSON, YAML and protobuf alike). */
export function checkBodyTypes(obj: unknown, target: DecodeTarget): void {
  const message = decodeError(target, obj);
  if (message !== undefined) throw errors.badRequest(message);
}

export type PatchStyle = 'json' | 'strategic';

/** The object a patch produced, before anything else looks at it. */
export function checkPatchedTypes(result: unknown, target: DecodeTarget, style: PatchStyle, patch: unknown): void {
  if (style === 'strategic') {
    const message = unstructuredError(target.definition, result) ?? typeErrors(target.definition, result)[0];
    if (message !== undefined) throw patchInvalid(goValue(patch), message);
    return;
  }
  const [message] = typeErrors(target.definition, result);
  if (message !== undefined) throw patchInvalid(JSON.stringify(result), message);
}

function patchInvalid(value: string, message: string) {
  return errors.invalid({ group: '', kind: '' }, '', [field.invalid('patch', value, message)]);
}

/** Go's `%+v` of a value decoded from JSON: map[a:1 b:[x y]] with sorted keys, <nil> for null. */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (isRecord(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goValue(v[k])}`).join(' ')}]`;
  if (typeof v === 'number') return goNumber(v);
  return String(v);
}

function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER) return String(n);
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  // Go's %v of a float64: shortest digits, exponent form below 1e-4 and from 1e21, two-digit exponents
  const exp = Math.floor(Math.log10(Math.abs(n)));
  const text = exp < -4 || exp >= 21 ? n.toExponential() : String(n);
  return text.replace(/e([+-])(\d)$/, 'e$10$2');
}
