// x-kubernetes-validations: CEL rules on schema nodes, evaluated with `self` (the node's value) and, on updates,
// `oldSelf` (the same node in the old object; rules that read oldSelf are transition rules and are skipped on
// create or where the old value is absent). The CEL engine is @marcbachmann/cel-js (see docs/design.md).
// Parse-time limits bound each expression's size; at run time each evaluation has Kubernetes' per-call cost limit
// and all evaluations for one object share its cost budget (api/cel/cost.ts).
import { Environment } from '@marcbachmann/cel-js';
import { costLimitExceededMessage, evaluateMetered, meterEnvironment, outOfBudgetMessage, parseMetered, perCallLimit, runtimeCelCostBudget } from '../cel/cost.js';
import { isRecord } from '../object.js';
import { field, type FieldError } from '../status.js';
import type { JSONSchemaProps, ValidationRule } from './types.js';

const env = meterEnvironment(new Environment({
  unlistedVariablesAreDyn: false,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
  limits: { maxAstNodes: 10000, maxDepth: 100, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 },
})
  .registerVariable('self', 'dyn')
  .registerVariable('oldSelf', 'dyn'));

type Program = (ctx: Record<string, unknown>) => unknown;
const programs = new Map<string, Program | Error>();

function compile(rule: string): Program | Error {
  let p = programs.get(rule);
  if (!p) {
    try {
      p = parseMetered(env, rule) as unknown as Program;
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

/** The cost left for the object's evaluations; negative once evaluation stopped (no further rules run). */
interface Budget {
  remaining: number;
}

/** Every failed rule in the object, in document order, until the object's cost budget runs out. */
export function celErrors(obj: unknown, old: unknown, schema: JSONSchemaProps, costBudget = runtimeCelCostBudget): FieldError[] {
  const out: FieldError[] = [];
  walk(obj, old, schema, '', out, 0, { remaining: costBudget });
  return out;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function walk(v: unknown, old: unknown, s: JSONSchemaProps, path: string, out: FieldError[], depth: number, budget: Budget): void {
  if (!isRecord(s) || v === undefined || depth > 200 || out.length > 100 || budget.remaining < 0) return;
  const rules = Array.isArray(s['x-kubernetes-validations']) ? s['x-kubernetes-validations'] : [];
  if (rules.length > 0 && v !== null && budget.remaining === 0) {
    out.push(field.invalid(path === '' ? '<nil>' : path, typeName(v), outOfBudgetMessage));
    budget.remaining = -1;
    return;
  }
  for (const r of rules) {
    evaluate(r, v, old, s, path, out, budget);
    if (budget.remaining < 0) return;
  }
  if (isRecord(v) && !Array.isArray(v)) {
    const props = isRecord(s.properties) ? s.properties : {};
    for (const [k, child] of Object.entries(v)) {
      const cs = Object.hasOwn(props, k) ? props[k] : isRecord(s.additionalProperties) ? s.additionalProperties : undefined;
      if (!cs) continue;
      const oldChild = isRecord(old) && Object.hasOwn(old, k) ? old[k] : undefined;
      walk(child, oldChild, cs, path === '' ? k : `${path}.${k}`, out, depth + 1, budget);
    }
  } else if (Array.isArray(v) && isRecord(s.items)) {
    // old items are matched by position only for atomic lists, by key for map lists
    const keys = s['x-kubernetes-list-type'] === 'map' && Array.isArray(s['x-kubernetes-list-map-keys']) ? s['x-kubernetes-list-map-keys'] : undefined;
    v.forEach((item, i) => {
      let oldItem: unknown;
      if (Array.isArray(old) && keys && isRecord(item)) oldItem = old.find((o) => isRecord(o) && keys.every((k) => JSON.stringify(o[k]) === JSON.stringify(item[k])));
      walk(item, oldItem, s.items as JSONSchemaProps, `${path}[${i}]`, out, depth + 1, budget);
    });
  }
}

/** The rule as Kubernetes names it in errors: its message when it has one, else its text. */
function ruleErrorString(r: ValidationRule): string {
  return typeof r.message === 'string' && r.message.trim() !== '' ? r.message.trim() : r.rule.trim();
}

function evaluate(r: ValidationRule, v: unknown, old: unknown, s: JSONSchemaProps, path: string, out: FieldError[], budget: Budget): void {
  if (!isRecord(r) || typeof r.rule !== 'string') return;
  const transition = readsOldSelf(r.rule);
  if (transition && old === undefined && r.optionalOldSelf !== true) return;
  const program = compile(r.rule);
  if (program instanceof Error) return;
  const fieldPath = path === '' ? '<nil>' : path;
  const activation = { self: toCel(v, s, 0), ...(transition ? { oldSelf: old === undefined ? null : toCel(old, s, 0) } : {}) };
  const run = evaluateMetered(program, activation, perCallLimit);
  if (run.cost > budget.remaining) {
    out.push(field.invalid(fieldPath, typeName(v), outOfBudgetMessage));
    budget.remaining = -1;
    return;
  }
  budget.remaining -= run.cost;
  if (!run.ok) {
    if (run.error.message === costLimitExceededMessage) {
      out.push(field.invalid(fieldPath, typeName(v), `'${costLimitExceededMessage}': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleErrorString(r)}`));
      budget.remaining = -1;
    } else {
      out.push(field.invalid(fieldPath, typeName(v), `${run.error.message} evaluating rule: ${ruleErrorString(r)}`));
    }
    return;
  }
  const result = run.value;
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
