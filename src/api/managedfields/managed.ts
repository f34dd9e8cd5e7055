// metadata.managedFields as stored on objects and as the field manager holds them: one field set per manager
// identity. An identity is the entry without its fields and time (and, for appliers, without the apiVersion, so
// an applier keeps one entry whatever version it applies with), written as Go would marshal it.
import { isRecord } from '../object.js';
import { FieldSet } from './set.js';

export type Operation = 'Apply' | 'Update';

export interface ManagerId {
  manager: string;
  operation: Operation;
  apiVersion?: string;
  subresource?: string;
}

export interface VersionedSet {
  set: FieldSet;
  apiVersion: string;
  applied: boolean;
}

/** Field sets and times by manager identity (the JSON of a ManagerId). */
export interface Managed {
  fields: Map<string, VersionedSet>;
  times: Map<string, string | undefined>;
}

export function emptyManaged(): Managed {
  return { fields: new Map(), times: new Map() };
}

export function managerKey(id: ManagerId): string {
  const o: Record<string, string> = {};
  if (id.manager) o['manager'] = id.manager;
  o['operation'] = id.operation;
  if (id.operation !== 'Apply' && id.apiVersion) o['apiVersion'] = id.apiVersion;
  if (id.subresource) o['subresource'] = id.subresource;
  return JSON.stringify(o);
}

export function parseManagerKey(key: string): ManagerId {
  const o = JSON.parse(key) as Record<string, string>;
  return {
    manager: o['manager'] ?? '',
    operation: o['operation'] === 'Apply' ? 'Apply' : 'Update',
    ...(o['apiVersion'] ? { apiVersion: o['apiVersion'] } : {}),
    ...(o['subresource'] ? { subresource: o['subresource'] } : {}),
  };
}

export class ManagedFieldsError extends Error {
  override readonly name = 'ManagedFieldsError';
}

/** Reads entries as kube-apiserver does; any malformed entry makes the whole list unusable (an error). */
export function decodeManaged(entries: unknown): Managed {
  const m = emptyManaged();
  if (entries === undefined || entries === null) return m;
  if (!Array.isArray(entries)) throw new ManagedFieldsError('managedFields must be a list');
  entries.forEach((e, i) => {
    if (!isRecord(e)) throw new ManagedFieldsError(`managed fields entry ${i} is not an object`);
    const op = e['operation'];
    if (op !== 'Apply' && op !== 'Update') throw new ManagedFieldsError('operation must be `Apply` or `Update`');
    const apiVersion = typeof e['apiVersion'] === 'string' ? e['apiVersion'] : '';
    if (apiVersion === '') throw new ManagedFieldsError('apiVersion must not be empty');
    const fieldsType = e['fieldsType'];
    if (fieldsType === undefined || fieldsType === '') throw new ManagedFieldsError(`missing fieldsType in managed fields entry ${i}`);
    if (fieldsType !== 'FieldsV1') throw new ManagedFieldsError(`invalid fieldsType ${JSON.stringify(fieldsType)} in managed fields entry ${i}`);
    const manager = typeof e['manager'] === 'string' ? e['manager'] : '';
    const subresource = typeof e['subresource'] === 'string' ? e['subresource'] : '';
    const key = managerKey({ manager, operation: op, apiVersion, subresource });
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(e['fieldsV1'] ?? {});
    } catch (err) {
      throw new ManagedFieldsError(`error decoding versioned set from entry ${i}: ${err instanceof Error ? err.message : String(err)}`);
    }
    m.fields.set(key, { set, apiVersion, applied: op === 'Apply' });
    m.times.set(key, typeof e['time'] === 'string' ? e['time'] : undefined);
  });
  return m;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

function seconds(t: string | undefined): number {
  if (!t) return 0;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** The stored list: Apply entries first, then by time, manager, apiVersion and subresource (kube-apiserver's order). */
export function encodeManaged(m: Managed): ManagedFieldsEntry[] {
  const out: ManagedFieldsEntry[] = [];
  for (const [key, vs] of m.fields) {
    if (vs.set.isEmpty()) continue;
    const id = parseManagerKey(key);
    const time = m.times.get(key);
    out.push({
      ...(id.manager ? { manager: id.manager } : {}),
      operation: id.operation,
      apiVersion: vs.apiVersion,
      ...(time ? { time } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: vs.set.toFieldsV1(),
      ...(id.subresource ? { subresource: id.subresource } : {}),
    });
  }
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager ?? '', q.manager ?? '') ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
}

/** `managedFields: []` or `[{}]` in a request: the client asks for the list to be cleared. */
export function isResetRequest(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  return entries.length === 1 && isRecord(entries[0]) && Object.values(entries[0]).every((v) => v === undefined || v === '' || v === null);
}

/** Update entries beyond this many are folded, oldest first, into one "ancient-changes" entry per apiVersion. */
export const maxUpdateManagers = 10;

export function capUpdateManagers(m: Managed): void {
  const updaters = [...m.fields.entries()].filter(([, vs]) => !vs.applied).map(([k]) => k);
  if (updaters.length <= maxUpdateManagers) return;
  updaters.sort((a, b) => seconds(m.times.get(a)) - seconds(m.times.get(b)) || (a < b ? -1 : a > b ? 1 : 0));
  const firstByVersion = new Set<string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > maxUpdateManagers; i++) {
    const key = updaters[i]!;
    const vs = m.fields.get(key)!;
    const bucket = managerKey({ manager: 'ancient-changes', operation: 'Update', apiVersion: vs.apiVersion });
    if (firstByVersion.has(vs.apiVersion)) length--;
    else firstByVersion.add(vs.apiVersion);
    const previous = m.fields.get(bucket);
    m.fields.set(bucket, { set: previous ? vs.set.union(previous.set) : vs.set, apiVersion: vs.apiVersion, applied: false });
    m.fields.delete(key);
    m.times.set(bucket, m.times.get(key));
    if (key !== bucket) m.times.delete(key);
  }
}
