// Walks over JSON values guided by a TypeNode: the field set of a value, the comparison of two values
// (added / modified / removed paths), the merge of an applied configuration into a live object, and the removal
// of items. The semantics are structured-merge-diff's: atomic lists and maps, and lists or maps empty on both
// sides, are leaves; a struct field is a member of a value's set only when it is null or an empty object, a map
// key always is.
import { deepEqual } from '../deep-equal.js';
import { isRecord } from '../object.js';
import { setOwn } from '../own.js';
import { encodeElement, fieldElement, pathString, type Path, type PathElement } from './path.js';
import { FieldSet } from './set.js';
import { untypedType, type TypeNode } from './schema.js';

/** A value that does not fit its type (unknown field, list item without its key, duplicate key). */
export class TypedValueError extends Error {
  override readonly name = 'TypedValueError';
  constructor(
    readonly path: Path,
    readonly detail: string,
  ) {
    super(`${pathString(path)}: ${detail}`);
  }
}

type Shape = 'leaf' | 'list' | 'map';

/**
 * Below this many path elements a value is tracked as one leaf: managedFields sit four levels down in the
 * object and must stay inside the object nesting limit (1,000) whatever an untyped field holds.
 */
export const maxTrackedDepth = 256;

function own(o: Record<string, unknown>, k: string): unknown {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

function fieldType(t: TypeNode, key: string): TypeNode | undefined {
  if (t.kind === 'map') return t.field(key) ?? t.elements;
  return untypedType; // untyped maps: every key is an untyped map entry
}

function isDeclared(t: TypeNode, key: string): boolean {
  return t.kind === 'map' && t.field(key) !== undefined;
}

/** How a pair of values of type t is walked. */
function shapeOf(t: TypeNode, ...vs: unknown[]): Shape {
  const present = vs.filter((v) => v !== undefined && v !== null);
  switch (t.kind) {
    case 'scalar':
      return 'leaf';
    case 'untyped':
      return present.length > 0 && present.every(isRecord) ? 'map' : 'leaf';
    case 'list':
      return t.listType === 'atomic' || !present.every(Array.isArray) ? 'leaf' : 'list';
    case 'map':
      return t.atomic || !present.every(isRecord) ? 'leaf' : 'map';
    default: {
      const no: never = t;
      throw new Error(String(no));
    }
  }
}

/** The path element of a list item: its key fields, or the item itself for a set. */
export function listItemElement(t: Extract<TypeNode, { kind: 'list' }>, item: unknown, index: number, path: Path): PathElement {
  if (t.listType === 'map') {
    if (!isRecord(item)) throw new TypedValueError(path, `element ${index}: associative list with keys may not have non-map elements`);
    const fields: Array<readonly [string, unknown]> = [];
    for (const key of t.keys) {
      let v = own(item, key);
      if (v === undefined) v = t.keyDefault(key);
      if (v === undefined) {
        throw new TypedValueError(path, `element ${index}: associative list with keys has an element that omits key field ${JSON.stringify(key)} (and doesn't have default value)`);
      }
      fields.push([key, v]);
    }
    fields.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return { kind: 'key', fields };
  }
  if (t.listType === 'set') return { kind: 'value', value: item };
  return { kind: 'index', index };
}

interface Indexed {
  order: PathElement[];
  items: Map<string, unknown>;
}

function indexList(t: Extract<TypeNode, { kind: 'list' }>, list: unknown[], path: Path, allowDuplicates: boolean): Indexed {
  const order: PathElement[] = [];
  const items = new Map<string, unknown>();
  list.forEach((item, i) => {
    const pe = listItemElement(t, item, i, path);
    const k = encodeElement(pe);
    if (items.has(k)) {
      if (!allowDuplicates) throw new TypedValueError(path, `duplicate entries for key ${pathString([pe])}`);
      return;
    }
    items.set(k, item);
    order.push(pe);
  });
  return { order, items };
}

// ---- the field set of a value ----

/**
 * Every leaf and item the value mentions. `live` is for stored objects: duplicate list keys are tolerated and
 * undeclared fields are walked as untyped (an applied configuration may have neither).
 */
export function toFieldSet(value: unknown, t: TypeNode, live = false): FieldSet {
  const set = new FieldSet();
  walkSet(value, t, [], set, live);
  return set;
}

function walkSet(v: unknown, t: TypeNode, path: PathElement[], set: FieldSet, dup: boolean): void {
  const atomic = t.kind === 'scalar' || (t.kind === 'list' && t.listType === 'atomic') || (t.kind === 'map' && t.atomic);
  // Scalars and atomic values are members; a null granular container is not (its parent decides).
  if (v === null || v === undefined) {
    if (atomic) set.insert(path);
    return;
  }
  if (shapeOf(t, v) === 'leaf' || path.length >= maxTrackedDepth) {
    set.insert(path);
    return;
  }
  if (t.kind === 'list') {
    const { order, items } = indexList(t, v as unknown[], path, dup);
    const it = t.items();
    for (const pe of order) {
      const p = [...path, pe];
      walkSet(items.get(encodeElement(pe)), it, p, set, dup);
      set.insert(p);
    }
    return;
  }
  const m = v as Record<string, unknown>;
  for (const k of Object.keys(m)) {
    const child = m[k];
    if (child === undefined) continue;
    const p = [...path, fieldElement(k)];
    const ft = fieldType(t, k) ?? (dup ? untypedType : undefined);
    if (!ft) throw new TypedValueError(p, 'field not declared in schema');
    walkSet(child, ft, p, set, dup);
    if (child === null || (isRecord(child) && Object.keys(child).length === 0) || !isDeclared(t, k)) set.insert(p);
  }
}

// ---- comparison ----

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** What changed from lhs to rhs, path by path (both are live-shaped values: duplicates are tolerated). */
export function compare(lhs: unknown, rhs: unknown, t: TypeNode): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  walkCompare(lhs, rhs, t, [], c);
  return c;
}

function isEmptyContainer(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isRecord(v) && Object.keys(v).length === 0);
}

function walkCompare(l: unknown, r: unknown, t: TypeNode, path: PathElement[], c: Comparison): void {
  let shape = shapeOf(t, l, r);
  if (shape !== 'leaf' && ((isEmptyContainer(l) && isEmptyContainer(r)) || path.length >= maxTrackedDepth)) shape = 'leaf';
  if (shape === 'leaf') {
    if (l === undefined) c.added.insert(path);
    else if (r === undefined) c.removed.insert(path);
    else if (!deepEqual(l, r)) c.modified.insert(path);
    return;
  }
  if (shape === 'list' && t.kind === 'list') {
    const li = indexList(t, Array.isArray(l) ? l : [], path, true);
    const ri = indexList(t, Array.isArray(r) ? r : [], path, true);
    const it = t.items();
    for (const pe of mergedOrder(li, ri)) {
      const k = encodeElement(pe);
      walkCompare(li.items.get(k), ri.items.get(k), it, [...path, pe], c);
    }
  } else {
    const lm = isRecord(l) ? l : {};
    const rm = isRecord(r) ? r : {};
    const keys = new Set([...Object.keys(lm), ...Object.keys(rm)]);
    for (const k of keys) {
      const lv = own(lm, k);
      const rv = own(rm, k);
      if (lv === undefined && rv === undefined) continue;
      walkCompare(lv, rv, fieldType(t, k) ?? untypedType, [...path, fieldElement(k)], c);
    }
  }
  if (l === undefined) c.added.insert(path);
  else if (r === undefined) c.removed.insert(path);
}

/**
 * The order of a merged associative list: items of the right side in its order, items only on the left kept
 * where they stood relative to the shared ones.
 */
function mergedOrder(lhs: Indexed, rhs: Indexed): PathElement[] {
  const out: PathElement[] = [];
  const shared = rhs.order.filter((pe) => lhs.items.has(encodeElement(pe)));
  let si = 0;
  let nextShared = shared[si++];
  const lo = lhs.order;
  const ro = rhs.order;
  let lI = 0;
  let rI = 0;
  while (lI < lo.length || rI < ro.length) {
    if (lI < lo.length && rI < ro.length) {
      const pe = lo[lI]!;
      const k = encodeElement(pe);
      if (k === encodeElement(ro[rI]!)) {
        out.push(pe);
        lI++;
        rI++;
        nextShared = shared[si++];
        continue;
      }
      if (rhs.items.has(k) && nextShared !== undefined && encodeElement(nextShared) !== k) {
        lI++;
        continue;
      }
    }
    if (lI < lo.length) {
      const pe = lo[lI]!;
      if (!rhs.items.has(encodeElement(pe))) {
        out.push(pe);
        lI++;
        continue;
      }
    }
    if (rI < ro.length) {
      const pe = ro[rI]!;
      out.push(pe);
      rI++;
      if (nextShared !== undefined && encodeElement(nextShared) === encodeElement(pe)) nextShared = shared[si++];
    }
  }
  return out;
}

// ---- merge (apply) ----

/** The applied configuration merged into the live value: the configuration wins where both set a leaf. */
export function merge(live: unknown, config: unknown, t: TypeNode): unknown {
  return walkMerge(live, config, t, []);
}

function walkMerge(l: unknown, r: unknown, t: TypeNode, path: PathElement[]): unknown {
  let shape = shapeOf(t, l, r);
  if (shape !== 'leaf' && isEmptyContainer(l) && isEmptyContainer(r)) shape = 'leaf';
  if (shape === 'leaf') return r !== undefined ? r : l;
  if (shape === 'list' && t.kind === 'list') {
    const li = indexList(t, Array.isArray(l) ? l : [], path, true);
    const ri = indexList(t, Array.isArray(r) ? r : [], path, false);
    const it = t.items();
    const out: unknown[] = [];
    for (const pe of mergedOrder(li, ri)) {
      const k = encodeElement(pe);
      const v = walkMerge(li.items.get(k), ri.items.get(k), it, [...path, pe]);
      if (v !== undefined) out.push(v);
    }
    return out;
  }
  const lm = isRecord(l) ? l : {};
  const rm = isRecord(r) ? r : {};
  const out: Record<string, unknown> = {};
  for (const k of [...Object.keys(lm), ...Object.keys(rm).filter((k) => !Object.hasOwn(lm, k))]) {
    const lv = own(lm, k);
    const rv = own(rm, k);
    if (lv === undefined && rv === undefined) continue;
    const v = walkMerge(lv, rv, fieldType(t, k) ?? untypedType, [...path, fieldElement(k)]);
    if (v !== undefined) setOwn(out, k, v);
  }
  return out;
}

// ---- removal ----

/** The value without the listed items and fields; a container emptied by the removal goes too (undefined). */
export function removeItems(v: unknown, remove: FieldSet, t: TypeNode): unknown {
  if (remove.isEmpty()) return v;
  const shape = shapeOf(t, v);
  if (shape === 'leaf' || isEmptyContainer(v)) return v;
  if (shape === 'list' && t.kind === 'list') {
    const it = t.items();
    const out: unknown[] = [];
    (v as unknown[]).forEach((item, i) => {
      let pe: PathElement;
      try {
        pe = listItemElement(t, item, i, []);
      } catch {
        out.push(item);
        return;
      }
      if (remove.has([pe])) return;
      const sub = remove.withPrefix(pe);
      const next = sub.isEmpty() ? item : removeItems(item, sub, it);
      if (next !== undefined) out.push(next);
    });
    return out.length > 0 ? out : undefined;
  }
  const m = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(m)) {
    const pe = fieldElement(k);
    if (remove.has([pe])) continue;
    const sub = remove.withPrefix(pe);
    const next = sub.isEmpty() ? m[k] : removeItems(m[k], sub, fieldType(t, k) ?? untypedType);
    if (next !== undefined) setOwn(out, k, next);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
