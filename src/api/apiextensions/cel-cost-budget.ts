// The static cost limits kube-apiserver puts on a CustomResourceDefinition's x-kubernetes-validations when it is
// written: each rule's estimated worst-case cost (api/cel/estimate.ts) times the most times the rule can run (the
// product of maxItems/maxProperties above it, or what one request can hold where a list or map above it is
// unbounded) must stay within StaticEstimatedCostLimit, and all rules of one schema together within
// StaticEstimatedCRDCostLimit. Texts and limits as apiextensions-apiserver's validation words them.
import { isRecord } from '../object.js';
import { field, type FieldError } from '../status.js';
import { estimateCost } from '../cel/estimate.js';
import { maxCardinality, schemaDeclType } from '../cel/decl-type.js';
import { ruleCompileError } from './cel-rules.js';

/** Largest estimated cost of one rule (apiextensions validation StaticEstimatedCostLimit). */
export const staticEstimatedCostLimit = 10_000_000;
/** Largest estimated cost of all rules of one schema (StaticEstimatedCRDCostLimit). */
export const staticEstimatedCrdCostLimit = 100_000_000;

const maxDepth = 64;

/** Go's %f and %.1f of the factor by which a cost exceeds its limit, as getCostErrorMessage writes it. */
export function costErrorMessage(costName: string, cost: number, limit: number): string {
  const exceed = cost / limit;
  const f = exceed > 100 ? 'more than 100x' : exceed < 1.5 ? `${exceed.toFixed(6)}x` : `${exceed.toFixed(1)}x`;
  return `${costName} exceeds budget by factor of ${f} (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)`;
}

interface Total {
  sum: number;
  /** The (at most 4) most expensive rules that each use at least 1% of the schema's limit, costliest first. */
  expensive: { path: string; cost: number }[];
}

function observe(total: Total, path: string, cost: number): void {
  total.sum = Math.min(2 ** 64, total.sum + cost);
  if (cost < staticEstimatedCrdCostLimit / 100) return;
  total.expensive.push({ path, cost });
  total.expensive.sort((a, b) => b.cost - a.cost);
  if (total.expensive.length > 4) total.expensive.length = 4;
}

/** How many children of each element a node can hold: maxItems or maxProperties, 1 for objects and scalars. */
function maxElements(s: Record<string, unknown>): number | undefined {
  const bound = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.floor(v)) : undefined);
  if (s['type'] === 'object') return s['additionalProperties'] !== undefined && s['additionalProperties'] !== false ? bound(s['maxProperties']) : 1;
  if (s['type'] === 'array') return bound(s['maxItems']);
  return 1;
}

/**
 * The cost errors of one version's schema at `path` (`spec.validation.openAPIV3Schema` or
 * `spec.versions[i].schema.openAPIV3Schema`). With `suppressPerRule` (a schema an update left unchanged) only
 * the schema's total is checked, so that an object stored under an older estimate stays writable.
 */
export function celCostErrors(schema: unknown, path: string, suppressPerRule = false): FieldError[] {
  const out: FieldError[] = [];
  const total: Total = { sum: 0, expensive: [] };
  walk(schema, path, true, 1, total, out, suppressPerRule, 0);
  if (total.sum > staticEstimatedCrdCostLimit) {
    for (const e of total.expensive) out.push(field.forbidden(e.path, 'contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema'));
    out.push(field.forbidden(path, costErrorMessage('x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema', total.sum, staticEstimatedCrdCostLimit)));
  }
  return out;
}

function walk(s: unknown, path: string, root: boolean, cardinality: number | undefined, total: Total, out: FieldError[], suppress: boolean, depth: number): void {
  if (!isRecord(s) || depth > maxDepth) return;
  const rules = Array.isArray(s['x-kubernetes-validations']) ? s['x-kubernetes-validations'] : [];
  if (rules.length > 0) {
    const decl = schemaDeclType(s, root || s['x-kubernetes-embedded-resource'] === true);
    rules.forEach((r, i) => {
      if (!isRecord(r) || typeof r['rule'] !== 'string' || r['rule'].trim() === '' || ruleCompileError(r['rule'])) return;
      const raw = decl ? estimateCost(r['rule'], { self: decl, oldSelf: decl }) : undefined;
      if (raw === undefined) return;
      const runs = cardinality ?? (decl ? maxCardinality(decl.minSerializedSize) : 1);
      const cost = raw === 0 ? 0 : Math.min(2 ** 64, raw * runs);
      const rulePath = `${path}.x-kubernetes-validations[${i}].rule`;
      if (!suppress && cost > staticEstimatedCostLimit) out.push(field.forbidden(rulePath, costErrorMessage('estimated rule cost', cost, staticEstimatedCostLimit)));
      observe(total, rulePath, cost);
    });
  }
  const own = maxElements(s);
  const childCardinality = cardinality === undefined || own === undefined ? undefined : Math.min(2 ** 64, cardinality * own);
  const additional = s['additionalProperties'];
  if (isRecord(additional)) walk(additional, `${path}.additionalProperties`, false, childCardinality, total, out, suppress, depth + 1);
  const props = s['properties'];
  if (isRecord(props)) for (const [k, v] of Object.entries(props)) walk(v, `${path}.properties[${k}]`, false, childCardinality, total, out, suppress, depth + 1);
  if (isRecord(s['items'])) walk(s['items'], `${path}.items`, false, childCardinality, total, out, suppress, depth + 1);
}
