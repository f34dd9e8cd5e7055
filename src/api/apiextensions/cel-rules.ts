// x-kubernetes-validations: CEL rules on schema nodes, evaluated with `self` (the node's value) and, on updates,
// `oldSelf` (the same node in the old object; rules that read oldSelf are transition rules and are skipped on
// create or where the old value is absent). The CEL engine is @marcbachmann/cel-js (see docs/design.md).
// Parse-time limits bound each expression; values are the request's own, already bounded in size and depth.
import { Environment } from '@marcbachmann/cel-js';
import { isRecord } from '../object.js';
import { field, type FieldError } from '../status.js';
import type { JSONSchemaProps, ValidationRule } from './types.js';

const env = new Environment({
  unlistedVariablesAreDyn: false,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
  limits: { maxAstNodes: 10000, maxDepth: 100, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 },
})
  .registerVariable('self', 'dyn')
  .registerVariable('oldSelf', 'dyn');

type Program = (ctx: Record<string, unknown>) => unknown;
const programs = new Map<string, Program | Error>();

function compile(rule: string): Program | Error {
  let p = programs.get(rule);
  if (!p) {
    try {
      p = env.parse(rule) as unknown as Program;
    } catch (e) {
      p = e instanceof Error ? e : new Error(String(e));
    }
    if (programs.size > 5000) programs.clear();
    programs.set(rule, p);
  }
  return p;
}

/** The compile error of a rule, worded for the CRD's validation, or undefined when it compiles. */
export function ruleCompileError(rule: string): string | undefined {
  const p = compile(rule);
  return p instanceof Error ? `compilation failed: ERROR: <input>: ${p.message.split('\n')[0]}` : undefined;
}

const readsOldSelf = (rule: string) => /\boldSelf\b/.test(rule);

/** Every failed rule in the object, in document order. */
export function celErrors(obj: unknown, old: unknown, schema: JSONSchemaProps): FieldError[] {
  const out: FieldError[] = [];
  walk(obj, old, schema, '', out, 0);
  return out;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function walk(v: unknown, old: unknown, s: JSONSchemaProps, path: string, out: FieldError[], depth: number): void {
  if (!isRecord(s) || v === undefined || depth > 200 || out.length > 100) return;
  const rules = Array.isArray(s['x-kubernetes-validations']) ? s['x-kubernetes-validations'] : [];
  for (const r of rules) evaluate(r, v, old, s, path, out);
  if (isRecord(v) && !Array.isArray(v)) {
    const props = isRecord(s.properties) ? s.properties : {};
    for (const [k, child] of Object.entries(v)) {
      const cs = Object.hasOwn(props, k) ? props[k] : isRecord(s.additionalProperties) ? s.additionalProperties : undefined;
      if (!cs) continue;
      const oldChild = isRecord(old) && Object.hasOwn(old, k) ? old[k] : undefined;
      walk(child, oldChild, cs, path === '' ? k : `${path}.${k}`, out, depth + 1);
    }
  } else if (Array.isArray(v) && isRecord(s.items)) {
    // old items are matched by position only for atomic lists, by key for map lists
    const keys = s['x-kubernetes-list-type'] === 'map' && Array.isArray(s['x-kubernetes-list-map-keys']) ? s['x-kubernetes-list-map-keys'] : undefined;
    v.forEach((item, i) => {
      let oldItem: unknown;
      if (Array.isArray(old) && keys && isRecord(item)) oldItem = old.find((o) => isRecord(o) && keys.every((k) => JSON.stringify(o[k]) === JSON.stringify(item[k])));
      walk(item, oldItem, s.items as JSONSchemaProps, `${path}[${i}]`, out, depth + 1);
    });
  }
}

function evaluate(r: ValidationRule, v: unknown, old: unknown, s: JSONSchemaProps, path: string, out: FieldError[]): void {
  if (!isRecord(r) || typeof r.rule !== 'string') return;
  const transition = readsOldSelf(r.rule);
  if (transition && old === undefined && r.optionalOldSelf !== true) return;
  const program = compile(r.rule);
  if (program instanceof Error) return;
  const fieldPath = path === '' ? '<nil>' : path;
  let result: unknown;
  try {
    result = program({ self: toCel(v, s, 0), ...(transition ? { oldSelf: old === undefined ? null : toCel(old, s, 0) } : {}) });
  } catch (e) {
    out.push(field.invalid(fieldPath, typeName(v), `${e instanceof Error ? e.message : String(e)} evaluating rule: ${r.rule}`));
    return;
  }
  if (result === true) return;
  const message = typeof r.message === 'string' && r.message !== '' ? r.message : `failed rule: ${r.rule}`;
  const target = typeof r.fieldPath === 'string' && r.fieldPath !== '' ? (path === '' ? r.fieldPath.replace(/^\./, '') : `${path}${r.fieldPath}`) : fieldPath;
  switch (r.reason) {
    case 'FieldValueRequired': out.push(field.required(target, message)); break;
    case 'FieldValueForbidden': out.push(field.forbidden(target, message)); break;
    case 'FieldValueDuplicate': out.push({ type: 'Duplicate', field: target, value: typeName(v), detail: message }); break;
    default: out.push(field.invalid(target, typeName(v), message));
  }
}

/** JSON → CEL values: integers of integer-typed fields become int (bigint), the rest stay as they are. */
function toCel(v: unknown, s: JSONSchemaProps | undefined, depth: number): unknown {
  if (depth > 200) return v;
  if (typeof v === 'number') return s?.type === 'integer' && Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map((x) => toCel(x, isRecord(s?.items) ? s.items : undefined, depth + 1));
  if (isRecord(v)) {
    const props = isRecord(s?.properties) ? s.properties : {};
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const cs = Object.hasOwn(props, k) ? props[k] : isRecord(s?.additionalProperties) ? (s.additionalProperties as JSONSchemaProps) : undefined;
      Object.defineProperty(out, k, { value: toCel(x, cs, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
}
