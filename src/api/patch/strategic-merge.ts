// The merge at the heart of strategic merge patch (strategicpatch's mergeMap). Two modes:
// - 'apply': a patch applied to an object (kube-apiserver): nulls delete, parallel directive lists are
//   executed, and nothing directive-shaped is left in the result.
// - 'combine': two patches merged into one (kubectl's three-way patch): nulls and directives are kept.
import { getOwn, setOwn } from '../own.js';
import { unknownPatchError } from './errors.js';
import { deepEqual, goFormat, isRecord, jsonKind, type JsonKind, type JsonObject } from './json-value.js';
import { lookupField, schemaName, type PatchMeta, type SchemaNode } from './schema.js';
import {
  badPatchFormatForPrimitiveList,
  badPatchFormatForRetainKeys,
  badPatchFormatForSetElementOrderList,
  badPatchType,
  expectedList,
  expectedMap,
  noListOfLists,
  noMergeKey,
} from './strategic-errors.js';
import { indexIn, normalizeElementOrder, partitionByPresence, patchDirective } from './strategic-order.js';

export type MergeMode = 'apply' | 'combine';

export const retainKeysDirective = '$retainKeys';
export const deleteFromPrimitiveListPrefix = '$deleteFromPrimitiveList';
export const setElementOrderPrefix = '$setElementOrder';

/** "$setElementOrder/containers" → "containers"; a malformed name is a 400. */
export function directiveListKey(key: string, prefix: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) {
    throw prefix === setElementOrderPrefix ? badPatchFormatForSetElementOrderList() : badPatchFormatForPrimitiveList();
  }
  return key.slice(slash + 1);
}

function isDirectiveKey(k: string): boolean {
  return k === patchDirective || k === retainKeysDirective || k.startsWith(`${deleteFromPrimitiveListPrefix}/`) || k.startsWith(`${setElementOrderPrefix}/`);
}

/** A patch value stored as-is into the object: drop nulls, directive keys and "$patch" list items. */
export function storable(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => !(isRecord(x) && Object.hasOwn(x, patchDirective))).map(storable);
  if (!isRecord(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (x !== null && !isDirectiveKey(k)) setOwn(out, k, storable(x));
  return out;
}

function asPatchValue(v: unknown, mode: MergeMode): unknown {
  return mode === 'apply' ? storable(v) : v;
}

export function mergeMap(original: JsonObject, patch: JsonObject, schema: SchemaNode, mode: MergeMode): JsonObject {
  if (Object.hasOwn(patch, patchDirective)) return mapDirective(patch[patchDirective], patch, mode);
  applyRetainKeys(original, patch, mode);
  applySetElementOrder(original, patch, schema, mode);

  for (const [patchKey, patchV] of Object.entries(patch)) {
    let key = patchKey;
    let isDeleteList = false;
    if (patchKey.startsWith(deleteFromPrimitiveListPrefix)) {
      if (mode === 'combine') {
        setOwn(original, patchKey, patchV);
        continue;
      }
      key = directiveListKey(patchKey, deleteFromPrimitiveListPrefix);
      isDeleteList = true;
    }
    if (patchV === null) {
      delete original[key];
      if (mode === 'apply') continue;
    }
    const originalV = getOwn(original, key);
    if (!Object.hasOwn(original, key) || jsonKind(originalV) !== jsonKind(patchV)) {
      if (!isDeleteList) setOwn(original, key, asPatchValue(patchV, mode));
      continue;
    }
    if (isRecord(originalV) && isRecord(patchV)) {
      const f = lookupField(schema, key);
      setOwn(original, key, f.meta.replace ? asPatchValue(patchV, mode) : mergeMap(originalV, patchV, f.node, mode));
    } else if (Array.isArray(originalV) && Array.isArray(patchV)) {
      const f = lookupField(schema, key);
      setOwn(original, key, mergeListField(originalV, patchV, f.node, f.meta, isDeleteList, mode));
    } else {
      setOwn(original, key, patchV);
    }
  }
  return original;
}

function mapDirective(directive: unknown, patch: JsonObject, mode: MergeMode): JsonObject {
  if (directive === 'replace') {
    const rest = { ...patch };
    delete rest[patchDirective];
    return mode === 'apply' ? (storable(rest) as JsonObject) : rest;
  }
  if (directive === 'delete') return {};
  throw badPatchType(directive, patch);
}

function mergeListField(original: unknown[], patch: unknown[], node: SchemaNode, meta: PatchMeta, isDeleteList: boolean, mode: MergeMode): unknown[] {
  if (!meta.merge) return asPatchValue(patch, mode) as unknown[];
  return mergeList(original, patch, node, meta.mergeKey, isDeleteList, mode);
}

function applyRetainKeys(original: JsonObject, patch: JsonObject, mode: MergeMode): void {
  if (!Object.hasOwn(patch, retainKeysDirective)) return;
  const retain = patch[retainKeysDirective];
  delete patch[retainKeysDirective];
  if (mode === 'combine') {
    if (!Object.hasOwn(original, retainKeysDirective)) setOwn(original, retainKeysDirective, retain);
    else if (!deepEqual(original[retainKeysDirective], retain)) {
      throw unknownPatchError(`${goFormat(original[retainKeysDirective])} and ${goFormat(retain)} are not deep equal: this may happen when calculating the 3-way diff patch`);
    }
    return;
  }
  if (!Array.isArray(retain)) throw badPatchFormatForRetainKeys();
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(deleteFromPrimitiveListPrefix) || k.startsWith(setElementOrderPrefix)) continue;
    if (!retain.includes(k)) throw badPatchFormatForRetainKeys();
  }
  for (const k of Object.keys(original)) if (!retain.includes(k)) delete original[k];
}

/** Executes each "$setElementOrder/<list>" with its list: merge, then order as the directive says. */
function applySetElementOrder(original: JsonObject, patch: JsonObject, schema: SchemaNode, mode: MergeMode): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(setElementOrderPrefix)) continue;
    const order = patch[key];
    if (mode === 'combine') {
      if (!Object.hasOwn(original, key)) setOwn(original, key, order);
      else if (!deepEqual(original[key], order)) throw badPatchFormatForSetElementOrderList();
    }
    delete patch[key];
    if (!Array.isArray(order)) throw expectedList(order);
    const listKey = directiveListKey(key, setElementOrderPrefix);
    const inOriginal = Object.hasOwn(original, listKey);
    const inPatch = Object.hasOwn(patch, listKey);
    const originalList = inOriginal ? original[listKey] : [];
    const patchList = inPatch ? patch[listKey] : [];
    if (!Array.isArray(originalList)) throw expectedList(originalList);
    if (!Array.isArray(patchList)) throw expectedList(patchList);
    const { node, meta } = lookupField(schema, listKey);
    validateAgainstOrder(patchList, order, meta.mergeKey);

    let merged: unknown[];
    if (inOriginal && !inPatch) merged = originalList;
    else if (!inOriginal && inPatch) merged = storable(patchList.filter((x) => !(isRecord(x) && Object.hasOwn(x, patchDirective)))) as unknown[];
    else if (inOriginal && inPatch) merged = mergeListField(originalList, patchList, node, meta, false, mode);
    else continue;

    const [patchItems, serverOnly] = partitionByPresence(merged, order, meta.mergeKey);
    const isMaps = elementKind(originalList, patchList) === 'object';
    setOwn(original, listKey, normalizeElementOrder(patchItems, serverOnly, order, originalList, meta.mergeKey, isMaps));
    delete patch[listKey];
  }
}

/** The patch list must name its items in the same relative order as the $setElementOrder list. */
function validateAgainstOrder(patchList: readonly unknown[], order: readonly unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey === '' ? patchList : patchList.filter((v) => !(isRecord(v) && v[patchDirective] === 'delete'));
  let p = 0;
  let s = 0;
  while (p < items.length && s < order.length) {
    const item = items[p];
    if (isRecord(item) && Object.hasOwn(item, patchDirective)) {
      p++;
      continue;
    }
    if (mergeKeyEqual(item, order[s], mergeKey)) p++;
    s++;
  }
  if (p < items.length && s >= order.length) {
    throw unknownPatchError(`The order in patch list:\n${goFormat(patchList)}\n doesn't match ${setElementOrderPrefix} list:\n${goFormat(order)}\n`);
  }
}

function mergeKeyEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (mergeKey === '') return left === right;
  if (!isRecord(left)) throw expectedMap(left);
  if (!isRecord(right)) throw expectedMap(right);
  if (!Object.hasOwn(left, mergeKey)) throw noMergeKey(left, mergeKey);
  if (!Object.hasOwn(right, mergeKey)) throw noMergeKey(right, mergeKey);
  return deepEqual(left[mergeKey], right[mergeKey]);
}

/** The one element type of both lists; lists of lists and mixed lists are errors. */
export function elementKind(...lists: readonly unknown[][]): JsonKind | undefined {
  let kind: JsonKind | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = jsonKind(v);
      if (kind === undefined) {
        if (k === 'array') throw noListOfLists();
        kind = k;
      } else if (k !== kind) {
        throw unknownPatchError(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  }
  return kind;
}

export function mergeList(original: unknown[], patch: unknown[], schema: SchemaNode, mergeKey: string, isDeleteList: boolean, mode: MergeMode): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(original, patch);
  if (kind !== 'object') {
    if (mode === 'apply' && isDeleteList) return original.filter((v) => !patch.includes(v));
    const merged = [...new Set([...original, ...patch])];
    const [patchItems, serverOnly] = partitionByPresence(merged, patch, '');
    return normalizeElementOrder(patchItems, serverOnly, patch, original, '', false);
  }
  if (mergeKey === '') throw unknownPatchError(`cannot merge lists without merge key for ${schemaName(schema)}`);
  const [base, items] = splitListDirectives(original, patch, mergeKey, mode);
  const merged = [...base];
  for (const item of items) {
    if (!isRecord(item)) throw expectedMap(item);
    if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
    const i = indexIn(merged, item, mergeKey);
    const existing = merged[i];
    if (i >= 0 && isRecord(existing)) merged[i] = mergeMap(existing, item, schema, mode);
    else merged.push(asPatchValue(item, mode));
  }
  const [patchItems, serverOnly] = partitionByPresence(merged, items, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, items, base, mergeKey, true);
}

/**
 * Executes the "$patch" items of a patch list: delete removes the items with that key; replace makes the
 * rest of the patch list the whole list. Returns the base list and the patch items left to merge.
 */
function splitListDirectives(original: unknown[], patch: unknown[], mergeKey: string, mode: MergeMode): [unknown[], unknown[]] {
  const rest: unknown[] = [];
  let base = original;
  let replace = false;
  for (const v of patch) {
    if (!isRecord(v) || !Object.hasOwn(v, patchDirective)) {
      rest.push(v);
      continue;
    }
    switch (v[patchDirective]) {
      case 'delete': {
        if (!Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
        base = base.filter((x) => !(isRecord(x) && Object.hasOwn(x, mergeKey) && deepEqual(x[mergeKey], v[mergeKey])));
        break;
      }
      case 'replace':
        replace = true;
        break;
      case 'merge':
        throw unknownPatchError('merging lists cannot yet be specified in the patch');
      default:
        throw badPatchType(v[patchDirective], v);
    }
  }
  if (replace) return [rest.map((x) => asPatchValue(x, mode)), []];
  return [base, rest];
}

