// Path elements of a field set, in the FieldsV1 encoding kube-apiserver stores:
//   f:<name>          a struct field or a map key
//   k:<json object>   an item of an associative list, by its key fields (sorted by name)
//   v:<json value>    an item of a set (a list of scalars)
//   i:<index>         an item of a list by position (not produced for the built-in types)
import { isRecord } from '../object.js';

export type PathElement =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'key'; readonly fields: ReadonlyArray<readonly [string, unknown]> }
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'index'; readonly index: number };

export type Path = readonly PathElement[];

/** Go's encoding/json of a value: object keys sorted (the form values take inside k: and v: elements). */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isRecord(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export function fieldElement(name: string): PathElement {
  return { kind: 'field', name };
}

/** The element's FieldsV1 key; also its identity (two elements are equal when their keys are). */
export function encodeElement(pe: PathElement): string {
  switch (pe.kind) {
    case 'field':
      return `f:${pe.name}`;
    case 'key':
      return `k:{${pe.fields.map(([n, v]) => `${JSON.stringify(n)}:${canonicalJson(v)}`).join(',')}}`;
    case 'value':
      return `v:${canonicalJson(pe.value)}`;
    case 'index':
      return `i:${pe.index}`;
    default: {
      const no: never = pe;
      throw new Error(String(no));
    }
  }
}

export class FieldsV1Error extends Error {
  override readonly name = 'FieldsV1Error';
}

export function decodeElement(s: string): PathElement {
  if (s.length < 2 || s[1] !== ':') throw new FieldsV1Error(`unrecognized path element ${JSON.stringify(s)}`);
  const body = s.slice(2);
  switch (s[0]) {
    case 'f':
      return { kind: 'field', name: body };
    case 'v':
      return { kind: 'value', value: parseJson(body) };
    case 'i': {
      if (!/^(0|[1-9][0-9]{0,9})$/.test(body)) throw new FieldsV1Error(`invalid index ${JSON.stringify(body)}`);
      return { kind: 'index', index: Number(body) };
    }
    case 'k': {
      const v = parseJson(body);
      if (!isRecord(v)) throw new FieldsV1Error(`key element ${JSON.stringify(s)} is not a JSON object`);
      const fields = Object.keys(v)
        .sort()
        .map((k) => [k, v[k]] as const);
      return { kind: 'key', fields };
    }
    default:
      throw new FieldsV1Error(`unrecognized path element ${JSON.stringify(s)}`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new FieldsV1Error(`invalid JSON in path element: ${JSON.stringify(text)}`);
  }
}

const rank = { field: 0, key: 1, value: 2, index: 3 } as const;

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The total order of values structured-merge-diff sorts by: numbers < strings < booleans < lists < maps < null. */
export function compareValues(a: unknown, b: unknown): number {
  const r = (v: unknown): number => (typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : typeof v === 'boolean' ? 2 : Array.isArray(v) ? 3 : isRecord(v) ? 4 : 5);
  const ra = r(a);
  const rb = r(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return compareStrings(canonicalJson(a), canonicalJson(b));
}

export function compareElements(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return rank[a.kind] - rank[b.kind];
  if (a.kind === 'field' && b.kind === 'field') return compareStrings(a.name, b.name);
  if (a.kind === 'index' && b.kind === 'index') return a.index - b.index;
  if (a.kind === 'value' && b.kind === 'value') return compareValues(a.value, b.value);
  if (a.kind === 'key' && b.kind === 'key') {
    for (let i = 0; ; i++) {
      const x = a.fields[i];
      const y = b.fields[i];
      if (!x && !y) return 0;
      if (!x) return -1;
      if (!y) return 1;
      const c = compareStrings(x[0], y[0]) || compareValues(x[1], y[1]);
      if (c !== 0) return c;
    }
  }
  return 0;
}

/** A value as structured-merge-diff prints it in paths: strings quoted, everything else as JSON. */
function valueString(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : canonicalJson(v);
}

/** The human form used in conflict messages: `.spec.containers[name="nginx"].image`, `[=value]`, `[0]`. */
export function pathString(path: Path): string {
  return path
    .map((pe) => {
      switch (pe.kind) {
        case 'field':
          return `.${pe.name}`;
        case 'key':
          return `[${pe.fields.map(([n, v]) => `${n}=${valueString(v)}`).join(',')}]`;
        case 'value':
          return `[=${valueString(pe.value)}]`;
        case 'index':
          return `[${pe.index}]`;
        default: {
          const no: never = pe;
          return String(no);
        }
      }
    })
    .join('');
}
