// Client side of strategic merge patch: the patches kubectl computes (strategicpatch's diffMaps,
// CreateTwoWayMergePatch and CreateThreeWayMergePatch), with directives exactly as kubectl sends them.
import { getOwn, setOwn } from '../own.js';
import { cloneJson, deepEqual, isRecord, jsonKind, type JsonObject } from './json-value.js';
import { lookupField, schemaFor, type SchemaNode } from './schema.js';
import { noListOfLists, noMergeKey } from './strategic-errors.js';
import {
  deleteFromPrimitiveListPrefix,
  elementKind,
  mergeMap,
  retainKeysDirective,
  setElementOrderPrefix,
} from './strategic-merge.js';
import { normalizeSliceOrder, patchDirective } from './strategic-order.js';

interface DiffOptions {
  /** Emit $setElementOrder lists (kubectl always does). */
  setElementOrder: boolean;
  /** Only deletions (the "original → modified" half of a three-way patch). */
  ignoreChangesAndAdditions: boolean;
  /** No deletions (the "current → modified" half of a three-way patch). */
  ignoreDeletions: boolean;
  /** The enclosing field has patchStrategy retainKeys: list the kept keys in $retainKeys. */
  buildRetainKeysDirective: boolean;
}

/** Go's fmt "%v" of a scalar, the key kubectl sorts and compares list items by. */
function scalarText(v: unknown): string {
  return v === null || v === undefined ? '<nil>' : String(v);
}

function sortByText(list: readonly unknown[]): unknown[] {
  return [...list].sort((a, b) => {
    const x = scalarText(a);
    const y = scalarText(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function diffMaps(original: JsonObject, modified: JsonObject, schema: SchemaNode, opts: DiffOptions): JsonObject {
  const patch: JsonObject = {};
  const retainKeys: string[] = [];
  for (const [key, modifiedV] of Object.entries(modified)) {
    if (opts.buildRetainKeysDirective && modifiedV !== null) retainKeys.push(key);
    if (!Object.hasOwn(original, key)) {
      if (!opts.ignoreChangesAndAdditions) setOwn(patch, key, modifiedV);
      continue;
    }
    const originalV = getOwn(original, key);
    if (jsonKind(originalV) !== jsonKind(modifiedV)) {
      if (!opts.ignoreChangesAndAdditions) setOwn(patch, key, modifiedV);
      continue;
    }
    if (isRecord(originalV) && isRecord(modifiedV)) diffMapField(key, originalV, modifiedV, patch, schema, opts);
    else if (Array.isArray(originalV) && Array.isArray(modifiedV)) diffListField(key, originalV, modifiedV, patch, schema, opts);
    else if (!opts.ignoreChangesAndAdditions && !deepEqual(originalV, modifiedV)) setOwn(patch, key, modifiedV);
  }
  if (!opts.ignoreDeletions) {
    for (const key of Object.keys(original)) if (!Object.hasOwn(modified, key)) setOwn(patch, key, null);
  }
  const clearsFields = Object.entries(original).some(([k, v]) => v !== null && !Object.hasOwn(modified, k));
  if (retainKeys.length > 0 && (Object.keys(patch).length > 0 || clearsFields)) patch[retainKeysDirective] = sortByText(retainKeys);
  return patch;
}

function diffMapField(key: string, original: JsonObject, modified: JsonObject, patch: JsonObject, schema: SchemaNode, opts: DiffOptions): void {
  const { node, meta } = lookupField(schema, key);
  if (meta.replace) {
    if (!opts.ignoreChangesAndAdditions) setOwn(patch, key, modified);
    return;
  }
  const sub = diffMaps(original, modified, node, { ...opts, buildRetainKeysDirective: meta.retainKeys });
  if (Object.keys(sub).length > 0) setOwn(patch, key, sub);
}

function diffListField(key: string, original: unknown[], modified: unknown[], patch: JsonObject, schema: SchemaNode, opts: DiffOptions): void {
  const { node, meta } = lookupField(schema, key);
  if (!meta.merge) {
    if (!opts.ignoreChangesAndAdditions && !deepEqual(original, modified)) setOwn(patch, key, modified);
    return;
  }
  const { additions, deletions, order } = diffLists(original, modified, node, meta.mergeKey, { ...opts, buildRetainKeysDirective: meta.retainKeys });
  if (additions.length > 0) setOwn(patch, key, additions);
  if (deletions.length > 0) patch[`${deleteFromPrimitiveListPrefix}/${key}`] = deletions;
  if (order.length > 0) patch[`${setElementOrderPrefix}/${key}`] = order;
}

interface ListDiff {
  additions: unknown[];
  deletions: unknown[];
  order: unknown[];
}

function diffLists(original: unknown[], modified: unknown[], schema: SchemaNode, mergeKey: string, opts: DiffOptions): ListDiff {
  const kind = elementKind(original, modified);
  if (kind === undefined) return { additions: [], deletions: [], order: [] };
  if (kind === 'array') throw noListOfLists();
  if (kind === 'object') {
    const { changes, deletes } = diffListsOfMaps(original, modified, schema, mergeKey, opts);
    const additions = [...normalizeSliceOrder(changes, modified, mergeKey, true), ...deletes];
    const orderSame = original.length === modified.length && original.every((o, i) => deepEqual(mergeKeyOf(o, mergeKey), mergeKeyOf(modified[i], mergeKey)));
    const wantOrder = opts.setElementOrder && ((!opts.ignoreChangesAndAdditions && (additions.length > 0 || !orderSame)) || (!opts.ignoreDeletions && additions.length > 0));
    return { additions, deletions: [], order: wantOrder ? modified.map((m) => ({ [mergeKey]: mergeKeyOf(m, mergeKey) })) : [] };
  }
  const { added, removed } = diffListsOfScalars(original, modified, opts);
  const additions = normalizeSliceOrder(added, modified, '', false);
  const wantOrder = opts.setElementOrder && ((!opts.ignoreDeletions && removed.length > 0) || (!opts.ignoreChangesAndAdditions && !deepEqual(original, modified)));
  return { additions, deletions: removed, order: wantOrder ? modified : [] };
}

function mergeKeyOf(v: unknown, mergeKey: string): unknown {
  if (!isRecord(v) || !Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
  return v[mergeKey];
}

/** Walks both lists sorted by value text, as kubectl does: values only in modified are added, only in original removed. */
function diffListsOfScalars(original: unknown[], modified: unknown[], opts: DiffOptions): { added: unknown[]; removed: unknown[] } {
  const o = sortByText(original);
  const m = sortByText(modified);
  const added: unknown[] = [];
  const removed: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < o.length || j < m.length) {
    const os = i < o.length ? scalarText(o[i]) : undefined;
    const ms = j < m.length ? scalarText(m[j]) : undefined;
    if (os !== undefined && ms !== undefined && os === ms) {
      i++;
      j++;
    } else if (os === undefined || (ms !== undefined && os > ms)) {
      if (!opts.ignoreChangesAndAdditions) added.push(m[j]);
      j++;
    } else {
      if (!opts.ignoreDeletions && !removed.includes(o[i])) removed.push(o[i]);
      i++;
    }
  }
  return { added, removed };
}

/** Changed or added items (changes carry the merge key) and "$patch: delete" items for removed ones. */
function diffListsOfMaps(original: unknown[], modified: unknown[], schema: SchemaNode, mergeKey: string, opts: DiffOptions): { changes: unknown[]; deletes: unknown[] } {
  const byKey = (list: unknown[]): { item: JsonObject; key: unknown; text: string }[] =>
    list
      .map((item) => {
        const key = mergeKeyOf(item, mergeKey);
        return { item: item as JsonObject, key, text: scalarText(key) };
      })
      .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  const o = byKey(original);
  const m = byKey(modified);
  const changes: unknown[] = [];
  const deletes: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < o.length || j < m.length) {
    const oi = o[i];
    const mj = m[j];
    if (oi && mj && oi.text === mj.text) {
      const sub = diffMaps(oi.item, mj.item, schema, opts);
      if (Object.keys(sub).length > 0) changes.push({ ...sub, [mergeKey]: mj.key });
      i++;
      j++;
    } else if (mj && (!oi || oi.text > mj.text)) {
      if (!opts.ignoreChangesAndAdditions) changes.push(mj.item);
      j++;
    } else if (oi) {
      if (!opts.ignoreDeletions) deletes.push({ [patchDirective]: 'delete', [mergeKey]: oi.key });
      i++;
    }
  }
  return { changes, deletes };
}

/** Object keys sorted at every level, so JSON.stringify gives the bytes Go's encoding/json gives. */
function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (!isRecord(v)) return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) setOwn(out, k, sortKeysDeep(v[k]));
  return out;
}

function asObject(v: unknown): JsonObject {
  return isRecord(v) ? cloneJson(v) : {};
}

const fullDiff: DiffOptions = { setElementOrder: true, ignoreChangesAndAdditions: false, ignoreDeletions: false, buildRetainKeysDirective: false };

/** The strategic merge patch from `original` to `modified` (kubectl's CreateTwoWayMergePatch, e.g. `set image`). */
export function createTwoWayMergePatch(original: unknown, modified: unknown, definition: string): Record<string, unknown> {
  return sortKeysDeep(diffMaps(asObject(original), asObject(modified), schemaFor(definition), fullDiff)) as JsonObject;
}

/**
 * The patch `kubectl apply` sends (CreateThreeWayMergePatch with overwrite): changes and additions from
 * `current` (live object) to `modified` (new manifest), plus deletions of what `original` (last-applied
 * configuration) had and `modified` no longer has. Fields the server or other clients set are kept.
 */
export function createThreeWayStrategicMergePatch(original: unknown, modified: unknown, current: unknown, definition: string): Record<string, unknown> {
  const schema = schemaFor(definition);
  const m = asObject(modified);
  const delta = diffMaps(asObject(current), m, schema, { ...fullDiff, ignoreDeletions: true });
  const deletions = diffMaps(asObject(original), m, schema, { ...fullDiff, ignoreChangesAndAdditions: true });
  return sortKeysDeep(mergeMap(deletions, cloneJson(delta), schema, 'combine')) as JsonObject;
}
