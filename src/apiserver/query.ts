// Query parameters → typed options: selectors (compiled once per text), continue tokens, dryRun, delete options.
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, unsupportedFieldLabelMessage } from '../api/selectors/index.js';
import type { DeleteOptions, Filter } from '../registry/store-types.js';
import type { Strategy } from '../registry/strategy.js';
import { errors } from '../api/status.js';
import { isTrue } from './request-info.js';

/** Compiled filters by resource version and selector texts, each for the strategy it was made with. */
const filterCache = new Map<string, { strategy: Strategy; filter: Filter }>();
const maxCachedFilters = 2000;

function supportedFieldLabels(strategy: Strategy): Set<string> {
  const labels = new Set(['metadata.name', 'metadata.namespace']);
  try {
    for (const k of Object.keys(strategy.fieldLabels?.({ metadata: {} }) ?? {})) labels.add(k);
  } catch {
    // a strategy that cannot describe an empty object: only the metadata labels are checked
  }
  return labels;
}
const supportedLabelsByStrategy = new WeakMap<Strategy, Set<string>>();

/** Label + field selector → one predicate; undefined when neither is set. Bad selectors → 400. */
export function selectionFilter(strategy: Strategy, labelSelector: string | null, fieldSelector: string | null): Filter | undefined {
  const ls = labelSelector?.trim() ?? '';
  const fs = fieldSelector?.trim() ?? '';
  if (!ls && !fs) return undefined;
  // versions of a resource may select on different fields (a CRD's selectableFields), and a CRD made again is
  // another strategy: a filter is reused only for the strategy it was compiled with
  const r = strategy.resource;
  const cacheKey = `${r.group}/${r.version}/${r.resource}\u0000${ls}\u0000${fs}`;
  const hit = filterCache.get(cacheKey);
  if (hit?.strategy === strategy) return hit.filter;

  let labels: ReturnType<typeof parseLabelSelector> | undefined;
  let fields: ReturnType<typeof parseFieldSelector> | undefined;
  try {
    if (ls) labels = parseLabelSelector(ls);
  } catch (e) {
    throw errors.badRequest(e instanceof Error ? e.message : String(e));
  }
  try {
    if (fs) fields = parseFieldSelector(fs);
  } catch (e) {
    throw errors.badRequest(e instanceof Error ? e.message : String(e));
  }
  if (fields) {
    let supported = supportedLabelsByStrategy.get(strategy);
    if (!supported) supportedLabelsByStrategy.set(strategy, (supported = supportedFieldLabels(strategy)));
    const message = unsupportedFieldLabelMessage(fields, strategy.fieldLabels ? [...supported] : undefined);
    if (message) throw errors.badRequest(message);
  }
  const l = labels;
  const f = fields;
  const filter: Filter = (obj) => {
    if (l && !matchesLabels(l, obj.metadata.labels ?? {})) return false;
    if (f && !matchesFields(f, fieldsOf(strategy, obj))) return false;
    return true;
  };
  if (filterCache.size >= maxCachedFilters) filterCache.clear();
  filterCache.set(cacheKey, { strategy, filter });
  return filter;
}

// One watch event's object is filtered by every watcher of its resource (100 node agents each select pods by
// spec.nodeName): the field labels of a frozen (stored, immutable) object are computed once and shared.
const fieldsByFrozenObject = new WeakMap<object, { strategy: Strategy; fields: Readonly<Record<string, string>> }>();

export function fieldsOf(strategy: Strategy, obj: Readonly<KubeObject>): Readonly<Record<string, string>> {
  const frozen = Object.isFrozen(obj);
  if (frozen) {
    const hit = fieldsByFrozenObject.get(obj);
    if (hit?.strategy === strategy) return hit.fields;
  }
  const base: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '', 'metadata.namespace': obj.metadata.namespace ?? '' };
  const fields = Object.freeze(strategy.fieldLabels ? { ...base, ...strategy.fieldLabels(obj as KubeObject) } : base);
  if (frozen) fieldsByFrozenObject.set(obj, { strategy, fields });
  return fields;
}

// ---- continue tokens: base64 of {"v":"meta.k8s.io/v1","rv":<revision>,"start":"<key>"} ----

export function encodeContinue(key: string, revision: number): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: revision, start: key })).toString('base64');
}

export function decodeContinue(token: string, prefix: string): { key: string; revision: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw errors.badRequest('continue key is not valid: illegal base64 data or JSON');
  }
  if (!isRecord(parsed) || parsed['v'] !== 'meta.k8s.io/v1') throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  const rv = parsed['rv'];
  const start = parsed['start'];
  if (typeof rv !== 'number' || !Number.isSafeInteger(rv) || rv <= 0) throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof start !== 'string' || !start.startsWith(prefix) || start.includes('/../')) throw errors.badRequest('continue key is not valid: invalid start key');
  return { key: start, revision: rv };
}

// ---- misc parameters ----

export function parseDryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) {
    if (v !== 'All') throw errors.badRequest(`Invalid dryRun value: ${JSON.stringify(v)}; supported values: "All"`);
  }
  return values.length > 0;
}

/**
 * An int64 query parameter (limit, timeoutSeconds, gracePeriodSeconds) read as kube-apiserver's parameter
 * codec reads it: anything strconv.ParseInt refuses is a 400 with its text.
 */
export function parseNonNegativeInt(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = BigInt(v);
  if (n > 9223372036854775807n || n < -9223372036854775808n) throw errors.badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  return Number(n);
}

const policies = ['Orphan', 'Background', 'Foreground'] as const;

/** DeleteOptions from the body (if any) and the query (query wins, as in k8s). */
export function deleteOptions(body: unknown, query: URLSearchParams): DeleteOptions {
  const out: DeleteOptions = {};
  if (isRecord(body)) {
    if (typeof body['gracePeriodSeconds'] === 'number') out.gracePeriodSeconds = body['gracePeriodSeconds'];
    const p = body['propagationPolicy'];
    if (typeof p === 'string') out.propagationPolicy = checkPolicy(p);
    if (typeof body['orphanDependents'] === 'boolean') out.orphanDependents = body['orphanDependents'];
    const pre = body['preconditions'];
    if (isRecord(pre)) {
      out.preconditions = {
        ...(typeof pre['uid'] === 'string' ? { uid: pre['uid'] } : {}),
        ...(typeof pre['resourceVersion'] === 'string' ? { resourceVersion: pre['resourceVersion'] } : {}),
      };
    }
    const dry = body['dryRun'];
    if (Array.isArray(dry) && dry.length > 0) {
      if (dry.some((d) => d !== 'All')) throw errors.badRequest('Invalid dryRun value; supported values: "All"');
      out.dryRun = true;
    }
  }
  const grace = parseNonNegativeInt(query, 'gracePeriodSeconds');
  if (grace !== undefined) out.gracePeriodSeconds = grace;
  const policy = query.get('propagationPolicy');
  if (policy) out.propagationPolicy = checkPolicy(policy);
  const orphan = query.get('orphanDependents');
  if (orphan !== null) out.orphanDependents = isTrue(orphan);
  if (parseDryRun(query)) out.dryRun = true;
  if (out.gracePeriodSeconds !== undefined && out.gracePeriodSeconds < 0) out.gracePeriodSeconds = 1;
  if (out.orphanDependents !== undefined && out.propagationPolicy !== undefined) {
    throw errors.invalid({ group: '', kind: 'DeleteOptions' }, '', [
      { type: 'Invalid', field: 'propagationPolicy', value: out.propagationPolicy, detail: 'orphanDependents and deletionPropagation cannot be both set' },
    ]);
  }
  return out;
}

function checkPolicy(p: string): DeleteOptions['propagationPolicy'] {
  const found = policies.find((x) => x === p);
  if (!found) {
    throw errors.invalid({ group: '', kind: 'DeleteOptions' }, '', [
      { type: 'NotSupported', field: 'propagationPolicy', value: p, supported: [...policies] },
    ]);
  }
  return found;
}
