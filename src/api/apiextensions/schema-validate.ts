// OpenAPI v3 validation of custom resources against a version's structural schema, worded as kube-apiserver's
// CRD handler words its errors (`spec.replicas: Invalid value: "string": spec.replicas in body must be of type
// integer: "string"`). Recursion follows the schema, which was checked at CRD time; the object's own nesting is
// bounded by the request body's depth limit.
import { isRecord } from '../object.js';
import { field, type FieldError } from '../status.js';
import type { JSONSchemaProps } from './types.js';
import { goRegexpError, goRegexpMatches } from '../go-regexp.js';
import { validateEmbeddedResource } from './embedded-resource.js';

const maxErrors = 100;

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const formats: Record<string, (s: string) => boolean> = {
  'date-time': (s) => rfc3339.test(s) && !Number.isNaN(Date.parse(s)),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)),
  byte: (s) => /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0,
  uuid: (s) => /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(s),
  ipv4: (s) => /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(s),
  email: (s) => /^[^@\s]+@[^@\s]+$/.test(s),
};

/** Every violation in document order (at most 100). */
export function validateAgainstSchema(value: unknown, schema: JSONSchemaProps, path = ''): FieldError[] {
  const out: FieldError[] = [];
  walk(value, schema, path, out, true);
  return out;
}

function walk(v: unknown, s: JSONSchemaProps, path: string, out: FieldError[], root = false): void {
  if (out.length >= maxErrors || !isRecord(s)) return;
  const at = path === '' ? '' : path;
  const inBody = path === '' ? 'body' : `${path} in body`;
  if (v === null) {
    if (s.nullable === true || s['x-kubernetes-preserve-unknown-fields'] === true && s.type === undefined) return;
    if (s.type !== undefined || s['x-kubernetes-int-or-string'] === true) {
      out.push(field.invalid(at, 'null', `${inBody} must be of type ${s['x-kubernetes-int-or-string'] ? 'integer,string' : s.type}: "null"`));
    }
    return;
  }
  const t = jsonType(v);
  if (s['x-kubernetes-int-or-string'] === true) {
    if (t !== 'integer' && t !== 'string') {
      out.push(field.invalid(at, t, `${inBody} must be of type integer,string: ${JSON.stringify(t)}`));
      return;
    }
  } else if (s.type !== undefined && !root) {
    const ok = s.type === t || (s.type === 'number' && t === 'integer');
    if (!ok) {
      out.push(field.invalid(at, t, `${inBody} must be of type ${s.type}: ${JSON.stringify(t)}`));
      return;
    }
  }
  if (Array.isArray(s.enum) && s.enum.length > 0 && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    out.push({ type: 'NotSupported', field: at, value: v, supported: s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))) });
  }
  if (typeof v === 'number') numberRules(v, s, at, inBody, out);
  if (typeof v === 'string') stringRules(v, s, at, inBody, out);
  if (Array.isArray(v)) {
    if (typeof s.maxItems === 'number' && v.length > s.maxItems) out.push({ type: 'TooMany', field: at, value: v.length, detail: `must have at most ${s.maxItems} items` });
    if (typeof s.minItems === 'number' && v.length < s.minItems) out.push(field.invalid(at, v.length, `${inBody} should have at least ${s.minItems} items`));
    listTypeRules(v, s, at, out);
    if (isRecord(s.items)) v.forEach((item, i) => walk(item, s.items as JSONSchemaProps, `${at}[${i}]`, out));
  }
  if (isRecord(v)) {
    if (!root && s['x-kubernetes-embedded-resource'] === true) out.push(...validateEmbeddedResource(v, at));
    const keys = Object.keys(v);
    if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties) out.push({ type: 'TooMany', field: at, value: keys.length, detail: `must have at most ${s.maxProperties} items` });
    if (typeof s.minProperties === 'number' && keys.length < s.minProperties) out.push(field.invalid(at, keys.length, `${inBody} should have at least ${s.minProperties} properties`));
    for (const r of Array.isArray(s.required) ? s.required : []) {
      if (typeof r === 'string' && !Object.hasOwn(v, r)) out.push(field.required(join(at, r)));
    }
    const props = isRecord(s.properties) ? s.properties : {};
    for (const k of keys) {
      const child = Object.hasOwn(props, k) ? props[k] : isRecord(s.additionalProperties) ? s.additionalProperties : undefined;
      // metadata, apiVersion and kind: of the root, by the API machinery; of embedded resources, by embedded-resource.ts
      if ((root || s['x-kubernetes-embedded-resource'] === true) && (k === 'metadata' || k === 'apiVersion' || k === 'kind') && !Object.hasOwn(props, k)) continue;
      if (root && k === 'metadata') continue;
      if (child) walk(v[k], child, join(at, k), out);
    }
  }
  for (const sub of Array.isArray(s.allOf) ? s.allOf : []) walk(v, sub, path, out);
  if (Array.isArray(s.anyOf) && s.anyOf.length > 0 && !s.anyOf.some((sub) => validateAgainstSchema(v, sub, path).length === 0)) {
    out.push(field.invalid(at, t, `${inBody} must validate at least one schema (anyOf)`));
  }
  if (Array.isArray(s.oneOf) && s.oneOf.length > 0) {
    const n = s.oneOf.filter((sub) => validateAgainstSchema(v, sub, path).length === 0).length;
    if (n !== 1) out.push(field.invalid(at, t, `${inBody} must validate one and only one schema (oneOf)`));
  }
  if (isRecord(s.not) && validateAgainstSchema(v, s.not, path).length === 0) out.push(field.invalid(at, t, `${inBody} must not validate the schema (not)`));
}

function numberRules(v: number, s: JSONSchemaProps, at: string, inBody: string, out: FieldError[]): void {
  if (typeof s.maximum === 'number') {
    if (s.exclusiveMaximum === true ? v >= s.maximum : v > s.maximum) {
      out.push(field.invalid(at, v, `${inBody} should be less than ${s.exclusiveMaximum === true ? '' : 'or equal to '}${s.maximum}`));
    }
  }
  if (typeof s.minimum === 'number') {
    if (s.exclusiveMinimum === true ? v <= s.minimum : v < s.minimum) {
      out.push(field.invalid(at, v, `${inBody} should be greater than ${s.exclusiveMinimum === true ? '' : 'or equal to '}${s.minimum}`));
    }
  }
  if (typeof s.multipleOf === 'number' && s.multipleOf > 0 && Math.abs(v / s.multipleOf - Math.round(v / s.multipleOf)) > 1e-9) {
    out.push(field.invalid(at, v, `${inBody} should be a multiple of ${s.multipleOf}`));
  }
}

function stringRules(v: string, s: JSONSchemaProps, at: string, inBody: string, out: FieldError[]): void {
  const length = [...v].length;
  if (typeof s.maxLength === 'number' && length > s.maxLength) out.push({ type: 'TooLong', field: at, value: v, detail: `may not be longer than ${s.maxLength}` });
  if (typeof s.minLength === 'number' && length < s.minLength) out.push(field.invalid(at, v, `${inBody} should be at least ${s.minLength} chars long`));
  if (typeof s.pattern === 'string' && goRegexpError(s.pattern) === undefined && !goRegexpMatches(s.pattern, v)) {
    out.push(field.invalid(at, v, `${inBody} should match '${s.pattern}'`));
  }
  if (typeof s.format === 'string' && Object.hasOwn(formats, s.format) && s.type === 'string') {
    const check = formats[s.format];
    if (check && !check(v)) out.push(field.invalid(at, v, `${inBody} must be of type ${s.format}: ${JSON.stringify(v)}`));
  }
}

function listTypeRules(v: unknown[], s: JSONSchemaProps, at: string, out: FieldError[]): void {
  const listType = s['x-kubernetes-list-type'];
  if (listType === 'set') {
    const seen = new Set<string>();
    v.forEach((item, i) => {
      const k = JSON.stringify(item);
      if (seen.has(k)) out.push(field.duplicate(`${at}[${i}]`, item));
      seen.add(k);
    });
  } else if (listType === 'map') {
    const keys = Array.isArray(s['x-kubernetes-list-map-keys']) ? s['x-kubernetes-list-map-keys'] : [];
    const seen = new Set<string>();
    v.forEach((item, i) => {
      if (!isRecord(item)) return;
      const k = JSON.stringify(keys.map((key) => (Object.hasOwn(item, key) ? item[key] : null)));
      if (seen.has(k)) {
        const rendered = `map[string]interface {}{${keys.map((key) => `"${key}":${JSON.stringify(Object.hasOwn(item, key) ? item[key] : null)}`).join(', ')}}`;
        out.push({ type: 'Duplicate', field: `${at}[${i}]`, value: item, renderedValue: rendered });
      }
      seen.add(k);
    });
  }
}
