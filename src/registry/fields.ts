// Narrowing helpers for the kind-specific parts of decoded objects (which stay `unknown` in KubeObject).
import { getOwn, setOwn } from '../api/own.js';
import { isRecord } from '../api/object.js';

export type Obj = Record<string, unknown>;

export function asObj(v: unknown): Obj | undefined {
  return isRecord(v) ? v : undefined;
}

/** parent[key] as an object, created (and stored) when absent. */
export function child(parent: Obj, key: string): Obj {
  const existing = getOwn(parent, key);
  if (isRecord(existing)) return existing;
  const created: Obj = {};
  setOwn(parent, key, created);
  return created;
}

/** The object elements of a list; anything else is skipped. */
export function objects(v: unknown): Obj[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') setOwn(out, k, x);
  return out;
}

/** Read a nested value: get(pod, 'spec', 'nodeName'). */
export function get(v: unknown, ...path: (string | number)[]): unknown {
  let cur: unknown = v;
  for (const p of path) {
    if (typeof p === 'number') cur = Array.isArray(cur) ? cur[p] : undefined;
    else cur = isRecord(cur) ? getOwn(cur, p) : undefined;
  }
  return cur;
}

/** Go's zero value check for defaulting: unset, null and "" all count as "not given". */
export function isUnset(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

export function setDefault(o: Obj, key: string, value: unknown): void {
  if (isUnset(getOwn(o, key))) setOwn(o, key, typeof value === 'object' && value !== null ? structuredClone(value) : value);
}

/** Non-pointer Go ints default when 0 as well. */
export function setDefaultInt(o: Obj, key: string, value: number): void {
  const cur = getOwn(o, key);
  if (isUnset(cur) || cur === 0) setOwn(o, key, value);
}
