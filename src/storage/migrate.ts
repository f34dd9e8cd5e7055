// Copies a cluster's objects from one store to another (`a-kube storage migrate`). The values are copied as
// stored, so UIDs, creation timestamps and everything else in them stay; the objects are written in the order
// of their source revisions, so their new resourceVersions keep the old order. Only the current objects move:
// history (and deleted objects) do not. A target that already holds objects is refused unless force, in which
// case the copied keys replace what is there and other keys stay.
import type { KeyValue, Storage } from './types.js';

const registryPrefix = '/registry/';
const pageSize = 500;

/** A store that can list every key under its root in one pass (the etcd store: its layout splits /registry/). */
interface ListsEverything {
  rangeAll(opts: { fromEtcdKey?: string; limit: number; revision?: number }): Promise<{ kvs: KeyValue[]; revision: number; more: boolean; nextEtcdKey?: string }>;
}

function listsEverything(s: Storage): s is Storage & ListsEverything {
  return typeof (s as Partial<ListsEverything>).rangeAll === 'function';
}

/** Every object in the store, read at one revision. */
export async function readAll(store: Storage): Promise<{ kvs: KeyValue[]; revision: number }> {
  const kvs: KeyValue[] = [];
  let revision: number | undefined;
  if (listsEverything(store)) {
    let from: string | undefined;
    for (;;) {
      const page = await store.rangeAll({ limit: pageSize, ...(from !== undefined ? { fromEtcdKey: from } : {}), ...(revision !== undefined ? { revision } : {}) });
      revision = page.revision;
      kvs.push(...page.kvs.filter((kv) => kv.key.startsWith(registryPrefix)));
      if (!page.more || page.nextEtcdKey === undefined) break;
      from = page.nextEtcdKey;
    }
    return { kvs, revision };
  }
  let fromKey: string | undefined;
  for (;;) {
    const page = await store.range(registryPrefix, { limit: pageSize, ...(fromKey !== undefined ? { fromKey } : {}), ...(revision !== undefined ? { revision } : {}) });
    revision = page.revision;
    kvs.push(...page.kvs);
    const last = page.kvs[page.kvs.length - 1];
    if (!page.more || !last) break;
    fromKey = `${last.key}\x00`;
  }
  return { kvs, revision };
}

export interface MigrationReport {
  /** Objects written, per resource ("core/pods", "apps/deployments"). */
  perResource: Map<string, number>;
  total: number;
  /** Keys that existed in the target and were replaced (force only). */
  replaced: number;
  sourceRevision: number;
}

export class TargetNotEmptyError extends Error {
  override name = 'TargetNotEmptyError';
}

/** "/registry/core/pods/ns/name" → "core/pods" */
export function resourceOf(key: string): string {
  const parts = key.slice(registryPrefix.length).split('/');
  return `${parts[0] ?? ''}/${parts[1] ?? ''}`;
}

export async function migrate(from: Storage, to: Storage, o: { force?: boolean; progress?: (done: number, total: number) => void } = {}): Promise<MigrationReport> {
  const existing = await readAll(to);
  if (existing.kvs.length > 0 && !o.force) {
    throw new TargetNotEmptyError(`the target already holds ${existing.kvs.length} object${existing.kvs.length === 1 ? '' : 's'} (e.g. ${existing.kvs[0]?.key}); migrate into an empty store, or pass --force to replace the copied keys there`);
  }
  const present = new Map(existing.kvs.map((kv) => [kv.key, kv.modRevision]));
  const { kvs, revision } = await readAll(from);
  kvs.sort((a, b) => a.modRevision - b.modRevision);
  const perResource = new Map<string, number>();
  let replaced = 0;
  let done = 0;
  for (const kv of kvs) {
    const current = present.get(kv.key);
    if (current === undefined) {
      await to.create(kv.key, kv.value);
    } else {
      // Delete and create, not update: the object's new revision then also comes in the source's order.
      await to.delete(kv.key, current);
      await to.create(kv.key, kv.value);
      replaced++;
    }
    const resource = resourceOf(kv.key);
    perResource.set(resource, (perResource.get(resource) ?? 0) + 1);
    done++;
    if (done % 500 === 0) o.progress?.(done, kvs.length);
  }
  return { perResource, total: kvs.length, replaced, sourceRevision: revision };
}
