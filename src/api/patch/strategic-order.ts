// Element order of merged lists (strategicpatch's normalizeElementOrder): items named by the patch (or its
// $setElementOrder list) keep the patch's order, items only the server has keep theirs, and the two are
// interleaved by the server's order where both are known.
import { expectedMap, noMergeKey } from './strategic-errors.js';
import { deepEqual, isRecord, type JsonObject } from './json-value.js';

export const patchDirective = '$patch';

/** Position of `item` in `list`: by merge-key value for lists of maps, by value for primitives. */
export function indexIn(list: readonly unknown[], item: unknown, mergeKey: string): number {
  if (mergeKey === '') return list.findIndex((x) => x === item);
  if (!isRecord(item)) return -1;
  const want = item[mergeKey];
  return list.findIndex((x) => isRecord(x) && Object.hasOwn(x, mergeKey) && deepEqual(x[mergeKey], want));
}

function requireMergeKey(v: unknown, mergeKey: string): JsonObject {
  if (!isRecord(v)) throw expectedMap(v);
  if (!Object.hasOwn(v, mergeKey)) throw noMergeKey(v, mergeKey);
  return v;
}

/** Splits `merged` into the items present in `by` and the rest, each keeping merged's order. */
export function partitionByPresence(merged: readonly unknown[], by: readonly unknown[], mergeKey: string): [unknown[], unknown[]] {
  const present: unknown[] = [];
  const absent: unknown[] = [];
  for (const v of merged) {
    if (mergeKey !== '') requireMergeKey(v, mergeKey);
    (indexIn(by, v, mergeKey) >= 0 ? present : absent).push(v);
  }
  return [present, absent];
}

/** Stable sort of `toSort` by position in `order`; for maps, "$patch: delete" items go last. */
export function normalizeSliceOrder(toSort: readonly unknown[], order: readonly unknown[], mergeKey: string, isMaps: boolean): unknown[] {
  let keep = [...toSort];
  let toDelete: unknown[] = [];
  if (isMaps) {
    for (const v of toSort) requireMergeKey(v, mergeKey);
    for (const v of order) requireMergeKey(v, mergeKey);
    toDelete = keep.filter((v) => isRecord(v) && v[patchDirective] === 'delete');
    keep = keep.filter((v) => !(isRecord(v) && v[patchDirective] === 'delete'));
  }
  const key = (v: unknown): number => {
    const i = indexIn(order, v, mergeKey);
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  };
  const sorted = keep
    .map((v, i) => ({ v, i, k: key(v) }))
    .sort((a, b) => (a.k === b.k ? a.i - b.i : a.k - b.k))
    .map((x) => x.v);
  return [...sorted, ...toDelete];
}

/** Inserts server-only items (`left`) among patch items (`right`) before the first patch item the server lists after them. */
function mergeSorted(left: readonly unknown[], right: readonly unknown[], serverOrder: readonly unknown[], mergeKey: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

export function normalizeElementOrder(
  patchItems: readonly unknown[],
  serverOnly: readonly unknown[],
  patchOrder: readonly unknown[],
  serverOrder: readonly unknown[],
  mergeKey: string,
  isMaps: boolean,
): unknown[] {
  const p = normalizeSliceOrder(patchItems, patchOrder, mergeKey, isMaps);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, isMaps);
  return mergeSorted(s, p, serverOrder, mergeKey);
}
