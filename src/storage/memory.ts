// The in-memory backend: an append-only event log plus per-key version history (for reads at old revisions).
// Revisions start at 1; compaction drops history at or below a revision but keeps each key's value there.
import { eventKey, eventRevision, lowerBound } from './keys.js';
import { StorageError } from './types.js';
import type { KeyValue, RangeOptions, RangeResult, Storage, StoreEvent, WatchOptions } from './types.js';
import { WatchHub } from './watch-hub.js';

interface Version {
  revision: number;
  /** undefined = deleted at this revision */
  kv: KeyValue | undefined;
}

class MemoryStorage implements Storage {
  #revision = 0;
  #compacted = 0;
  #closed = false;
  /** Every change, ascending by revision; entries at or below #compacted are dropped. */
  #log: StoreEvent[] = [];
  #versions = new Map<string, Version[]>();
  /** Sorted keys of #versions. */
  #keys: string[] = [];
  readonly #hub = new WatchHub({
    position: () => this.#revision,
    compactedRevision: () => this.#compacted,
    readHistory: (prefix, after, upTo, limit) => this.#readHistory(prefix, after, upTo, limit),
  });

  async currentRevision(): Promise<number> {
    this.#assertOpen();
    return this.#revision;
  }

  async compactedRevision(): Promise<number> {
    this.#assertOpen();
    return this.#compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.#assertOpen();
    return this.#latest(key);
  }

  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    this.#assertOpen();
    const revision = opts.revision ?? this.#revision;
    this.#assertReadable(prefix, revision);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const start = opts.fromKey !== undefined && opts.fromKey > prefix ? opts.fromKey : prefix;
    const kvs: KeyValue[] = [];
    let more = false;
    for (let i = lowerBound(this.#keys, start); i < this.#keys.length; i++) {
      const key = this.#keys[i] as string;
      if (!key.startsWith(prefix)) break;
      const kv = this.#valueAt(key, revision);
      if (!kv) continue;
      if (kvs.length >= limit) {
        more = true;
        break;
      }
      kvs.push(kv);
    }
    return { kvs, revision, more };
  }

  async create(key: string, value: string): Promise<number> {
    this.#assertOpen();
    if (this.#latest(key)) throw new StorageError('KeyExists', key);
    const revision = this.#revision + 1;
    const kv = Object.freeze({ key, value, createRevision: revision, modRevision: revision });
    this.#append(key, { revision, kv }, { type: 'put', kv });
    return revision;
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<number> {
    this.#assertOpen();
    const prev = this.#latest(key);
    if (!prev) throw new StorageError('NotFound', key);
    if (prev.modRevision !== expectedModRevision) throw new StorageError('Conflict', key, undefined, prev.modRevision);
    const revision = this.#revision + 1;
    const kv = Object.freeze({ key, value, createRevision: prev.createRevision, modRevision: revision });
    this.#append(key, { revision, kv }, { type: 'put', kv, prev });
    return revision;
  }

  async delete(key: string, expectedModRevision?: number): Promise<{ revision: number; prev: KeyValue }> {
    this.#assertOpen();
    const prev = this.#latest(key);
    if (!prev) throw new StorageError('NotFound', key);
    if (expectedModRevision !== undefined && prev.modRevision !== expectedModRevision) {
      throw new StorageError('Conflict', key, undefined, prev.modRevision);
    }
    const revision = this.#revision + 1;
    this.#append(key, { revision, kv: undefined }, { type: 'delete', key, revision, prev });
    return { revision, prev };
  }

  watch(opts: WatchOptions): AsyncIterable<StoreEvent[]> {
    this.#assertOpen();
    return this.#hub.watch(opts);
  }

  async compact(revision: number): Promise<void> {
    this.#assertOpen();
    if (revision <= this.#compacted) return;
    if (revision > this.#revision) throw new StorageError('FutureRevision', '', `cannot compact to future revision ${revision}`, this.#revision);
    this.#compacted = revision;
    for (const [key, versions] of this.#versions) {
      let lastAtOrBelow = -1;
      while (lastAtOrBelow + 1 < versions.length && (versions[lastAtOrBelow + 1] as Version).revision <= revision) lastAtOrBelow++;
      if (lastAtOrBelow < 0) continue;
      const keepFrom = (versions[lastAtOrBelow] as Version).kv ? lastAtOrBelow : lastAtOrBelow + 1;
      versions.splice(0, keepFrom);
      if (versions.length === 0) this.#versions.delete(key);
    }
    this.#keys = this.#keys.filter((key) => this.#versions.has(key));
    const firstKept = this.#log.findIndex((ev) => eventRevision(ev) > revision);
    this.#log = firstKept < 0 ? [] : this.#log.slice(firstKept);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#hub.endAll();
  }

  #append(key: string, version: Version, event: StoreEvent): void {
    this.#revision = version.revision;
    let versions = this.#versions.get(key);
    if (!versions) {
      versions = [];
      this.#versions.set(key, versions);
      this.#keys.splice(lowerBound(this.#keys, key), 0, key);
    }
    versions.push(version);
    this.#log.push(event);
    this.#hub.publish([event], version.revision);
  }

  #latest(key: string): KeyValue | undefined {
    const versions = this.#versions.get(key);
    return versions?.[versions.length - 1]?.kv;
  }

  #valueAt(key: string, revision: number): KeyValue | undefined {
    const versions = this.#versions.get(key) ?? [];
    for (let i = versions.length - 1; i >= 0; i--) {
      const version = versions[i] as Version;
      if (version.revision <= revision) return version.kv;
    }
    return undefined;
  }

  #readHistory(prefix: string, after: number, upTo: number, limit: number): StoreEvent[] {
    const out: StoreEvent[] = [];
    let lo = 0;
    let hi = this.#log.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (eventRevision(this.#log[mid] as StoreEvent) <= after) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.#log.length && out.length < limit; i++) {
      const ev = this.#log[i] as StoreEvent;
      if (eventRevision(ev) > upTo) break;
      if (eventKey(ev).startsWith(prefix)) out.push(ev);
    }
    return out;
  }

  #assertReadable(key: string, revision: number): void {
    if (revision < this.#compacted) {
      throw new StorageError('Compacted', key, `required revision ${revision} has been compacted`, this.#compacted);
    }
    if (revision > this.#revision) {
      throw new StorageError('FutureRevision', key, `required revision ${revision} is a future revision`, this.#revision);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new StorageError('Closed', '', 'storage is closed');
  }
}

export function createMemoryStorage(): Storage {
  return new MemoryStorage();
}
