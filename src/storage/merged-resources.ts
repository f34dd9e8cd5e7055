// Objects earlier a-kube versions stored apart that are now another resource's objects: events.k8s.io/v1 Events
// sat under "/registry/events.k8s.io/events/" in their own schema; now they are core/v1 Events under
// "/registry/core/events/" (both groups serve that one set). Opening a SQLite store moves what it finds there
// (etcd moves them with the rest of its earlier layout, etcd/earlier-layout.ts; memory starts empty).
// Each object: create the core key on its absence, then delete the old key at the revision read. A crash between
// the two leaves both; the next start finds the core key holding the same object and deletes the old one. An old
// key whose core key holds another object stays and is reported, as is one whose value is not a JSON object.
import { eventsV1ToCoreEvent } from '../api/event-conversion.js';
import { isRecord, type KubeObject } from '../api/object.js';
import { StorageError, type Storage } from './types.js';

interface MergedResource {
  from: string;
  to: string;
  convert(obj: Readonly<KubeObject>): KubeObject;
}

const merged: readonly MergedResource[] = [{ from: '/registry/events.k8s.io/events/', to: '/registry/core/events/', convert: eventsV1ToCoreEvent }];

const pageSize = 500;

export interface MergedMoveReport {
  moved: number;
  /** Old keys left where they are, with the reason. */
  left: { key: string; why: 'exists' | 'unreadable' }[];
}

function converted(value: string, convert: MergedResource['convert']): string | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (!isRecord(obj) || !isRecord(obj['metadata'])) return undefined;
  const { resourceVersion: _rv, ...metadata } = obj['metadata'];
  return JSON.stringify(convert({ ...(obj as unknown as KubeObject), metadata }));
}

async function moveOne(store: Storage, key: string, newKey: string, value: string, modRevision: number): Promise<'moved' | 'exists'> {
  try {
    await store.create(newKey, value);
  } catch (e) {
    if (!(e instanceof StorageError) || e.code !== 'KeyExists') throw e;
    if ((await store.get(newKey))?.value !== value) return 'exists';
  }
  try {
    await store.delete(key, modRevision);
  } catch (e) {
    // changed or deleted since the read: the next start looks again
    if (!(e instanceof StorageError) || (e.code !== 'Conflict' && e.code !== 'NotFound')) throw e;
  }
  return 'moved';
}

export async function moveMergedResources(store: Storage): Promise<MergedMoveReport> {
  const report: MergedMoveReport = { moved: 0, left: [] };
  for (const m of merged) {
    let fromKey: string | undefined;
    for (;;) {
      // each page at the current revision, after the last key seen (the moves delete keys behind it)
      const page = await store.range(m.from, { limit: pageSize, ...(fromKey !== undefined ? { fromKey } : {}) });
      for (const kv of page.kvs) {
        const value = converted(kv.value, m.convert);
        if (value === undefined) {
          report.left.push({ key: kv.key, why: 'unreadable' });
          continue;
        }
        const outcome = await moveOne(store, kv.key, `${m.to}${kv.key.slice(m.from.length)}`, value, kv.modRevision);
        if (outcome === 'moved') report.moved++;
        else report.left.push({ key: kv.key, why: outcome });
      }
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || !last) break;
      fromKey = `${last.key}\u0000`;
    }
  }
  return report;
}

/** The log lines of a report (none when nothing was found). */
export function describeMergedMove(r: MergedMoveReport): string[] {
  const lines: string[] = [];
  if (r.moved > 0) lines.push(`moved ${r.moved} events.k8s.io Event${r.moved === 1 ? '' : 's'} stored apart by an earlier a-kube to the core Events (both groups serve them)`);
  for (const { key, why } of r.left.slice(0, 5)) {
    lines.push(`left ${key} in place: ${why === 'exists' ? 'another Event of that name exists' : 'its value is not a JSON object (encrypted?)'}`);
  }
  if (r.left.length > 5) lines.push(`left ${r.left.length - 5} more`);
  return lines;
}
