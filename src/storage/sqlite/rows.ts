// Row shapes of the kine table and their mapping to KeyValues and StoreEvents.
import type { KeyValue, StoreEvent } from '../types.js';

export interface ValueRow {
  id: number;
  name: string;
  create_revision: number;
  value: string;
}

/** A log row joined with its predecessor (prev_* are null when there is none or it was compacted). */
export interface EventRow extends ValueRow {
  created: number;
  deleted: number;
  prev_revision: number;
  prev_value: string | null;
  prev_create_revision: number | null;
}

export function rowToKeyValue(row: ValueRow): KeyValue {
  return { key: row.name, value: row.value, createRevision: row.create_revision, modRevision: row.id };
}

/** Tombstone rows carry the deleted value, so a delete event never needs the predecessor row. */
export function rowToEvent(row: EventRow): StoreEvent {
  if (row.deleted) {
    const prev = { key: row.name, value: row.value, createRevision: row.create_revision, modRevision: row.prev_revision };
    return { type: 'delete', key: row.name, revision: row.id, prev };
  }
  const kv = rowToKeyValue(row);
  if (row.created || row.prev_value === null || row.prev_create_revision === null) return { type: 'put', kv };
  const prev = { key: row.name, value: row.prev_value, createRevision: row.prev_create_revision, modRevision: row.prev_revision };
  return { type: 'put', kv, prev };
}
