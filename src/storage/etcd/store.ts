// The etcd backend: the Storage contract on etcd v3, the way kube-apiserver uses it. An object's
// resourceVersion is its key's mod revision; create is a transaction on the key's absence (create_revision
// 0); update and delete compare-and-swap on mod_revision; reads at a revision are etcd's MVCC reads.
// Watches come from watch-feed.ts. Compaction records its mark in etcd's "compact_rev_key" as
// kube-apiserver does, so several API servers (or a kube-apiserver) on one etcd agree on it.
import { StorageError } from '../types.js';
import type { KeyValue, RangeOptions, RangeResult, Storage, StoreEvent, WatchOptions } from '../types.js';
import { EtcdClient, EtcdError } from './client.js';
import type { EtcdClientOptions, RawKeyValue } from './client.js';
import { KeyLayout } from './key-layout.js';
import { EtcdWatchFeed, toKeyValue } from './watch-feed.js';

export interface EtcdStorageOptions extends EtcdClientOptions {
  /** The root of every key in etcd (default "/registry", kube-apiserver's --etcd-prefix). */
  prefix?: string;
  /** Where the watch feed reports fail-overs (default: stderr). */
  log?: (line: string) => void;
}

/** The key where the last compaction's revision is kept (shared by every API server on the etcd). */
export const compactRevisionKey = 'compact_rev_key';

const probeKey = (root: string): string => `${root}/-/a-kube/probe`;

function utf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

/** The key just after every key that starts with prefix (etcd's range_end for a prefix). */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

export interface EtcdStorage extends Storage {
  readonly layout: KeyLayout;
  readonly client: EtcdClient;
  sizeBytes(): number;
  /**
   * Every key under the layout's root in etcd's order, paged by etcd key (the layout splits "/registry/", so
   * range() cannot list across resources): for copying a whole cluster.
   */
  rangeAll(opts: { fromEtcdKey?: string; limit: number; revision?: number }): Promise<{ kvs: KeyValue[]; revision: number; more: boolean; nextEtcdKey?: string }>;
  /** Streams a snapshot of the whole etcd database (Maintenance.Snapshot; etcdctl snapshot restore reads it). */
  snapshot(): AsyncIterable<Buffer>;
}

class EtcdStore implements EtcdStorage {
  readonly client: EtcdClient;
  readonly layout: KeyLayout;
  #feed: EtcdWatchFeed | undefined;
  #feedStarting: Promise<EtcdWatchFeed> | undefined;
  #closed = false;
  #dbSize = 0;
  readonly #log: (line: string) => void;

  constructor(opts: EtcdStorageOptions) {
    this.client = new EtcdClient(opts);
    this.layout = new KeyLayout(opts.prefix);
    this.#log = opts.log ?? ((line) => process.stderr.write(`storage: ${line}\n`));
  }

  async currentRevision(): Promise<number> {
    this.#assertOpen();
    const res = await this.#kv(() => this.client.range({ key: utf8(probeKey(this.layout.root)), count_only: true }), '');
    return Number(res.header.revision);
  }

  async compactedRevision(): Promise<number> {
    this.#assertOpen();
    const res = await this.#kv(() => this.client.range({ key: utf8(compactRevisionKey) }), compactRevisionKey);
    const raw = res.kvs[0];
    const recorded = raw ? Number(raw.value.toString('utf8')) : 0;
    return Math.max(Number.isSafeInteger(recorded) ? recorded : 0, this.#feed?.compactedSeen ?? 0);
  }

  async get(key: string): Promise<KeyValue | undefined> {
    this.#assertOpen();
    const res = await this.#kv(() => this.client.range({ key: utf8(this.layout.toEtcd(key)) }), key);
    const raw = res.kvs[0];
    return raw ? toKeyValue(key, raw) : undefined;
  }

  async range(prefix: string, opts: RangeOptions = {}): Promise<RangeResult> {
    this.#assertOpen();
    const etcdPrefix = this.layout.prefixToEtcd(prefix);
    const start = opts.fromKey !== undefined && opts.fromKey > prefix ? this.layout.toEtcd(opts.fromKey) : etcdPrefix;
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const res = await this.#kv(
      () =>
        this.client.range({
          key: utf8(start),
          range_end: prefixRangeEnd(utf8(etcdPrefix)),
          limit: String(limit),
          ...(opts.revision !== undefined ? { revision: String(opts.revision) } : {}),
        }),
      prefix,
      opts.revision,
    );
    const kvs = res.kvs.map((raw) => toKeyValue(this.#storeKey(raw), raw));
    const revision = opts.revision ?? Number(res.header.revision);
    return { kvs, revision, more: res.more };
  }

  async rangeAll(opts: { fromEtcdKey?: string; limit: number; revision?: number }): Promise<{ kvs: KeyValue[]; revision: number; more: boolean; nextEtcdKey?: string }> {
    this.#assertOpen();
    const root = utf8(`${this.layout.root}/`);
    const res = await this.#kv(
      () =>
        this.client.range({
          key: opts.fromEtcdKey !== undefined ? utf8(opts.fromEtcdKey) : root,
          range_end: prefixRangeEnd(root),
          limit: String(opts.limit),
          ...(opts.revision !== undefined ? { revision: String(opts.revision) } : {}),
        }),
      this.layout.root,
      opts.revision,
    );
    const kvs: KeyValue[] = [];
    for (const raw of res.kvs) {
      const key = this.layout.fromEtcd(raw.key.toString('utf8'));
      if (key !== undefined) kvs.push(toKeyValue(key, raw));
    }
    const last = res.kvs[res.kvs.length - 1];
    return {
      kvs,
      revision: opts.revision ?? Number(res.header.revision),
      more: res.more,
      ...(last ? { nextEtcdKey: `${last.key.toString('utf8')}\x00` } : {}),
    };
  }

  snapshot(): AsyncIterable<Buffer> {
    this.#assertOpen();
    return this.client.snapshot();
  }

  async create(key: string, value: string): Promise<number> {
    this.#assertOpen();
    const k = utf8(this.layout.toEtcd(key));
    const res = await this.#kv(
      () =>
        this.client.txn({
          compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: '0' }],
          success: [{ request_put: { key: k, value: utf8(value) } }],
          failure: [],
        }),
      key,
    );
    if (!res.succeeded) throw new StorageError('KeyExists', key);
    return Number(res.header.revision);
  }

  async update(key: string, value: string, expectedModRevision: number): Promise<number> {
    this.#assertOpen();
    const k = utf8(this.layout.toEtcd(key));
    const res = await this.#kv(
      () =>
        this.client.txn({
          compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: String(expectedModRevision) }],
          success: [{ request_put: { key: k, value: utf8(value) } }],
          failure: [{ request_range: { key: k } }],
        }),
      key,
    );
    if (res.succeeded) return Number(res.header.revision);
    throw this.#casFailure(key, res.responses[0]?.response_range?.kvs[0]);
  }

  async delete(key: string, expectedModRevision?: number): Promise<{ revision: number; prev: KeyValue }> {
    this.#assertOpen();
    const k = utf8(this.layout.toEtcd(key));
    if (expectedModRevision === undefined) {
      const res = await this.#kv(() => this.client.deleteRange({ key: k, prev_kv: true }), key);
      const prev = res.prev_kvs[0];
      if (!prev || Number(res.deleted) === 0) throw new StorageError('NotFound', key);
      return { revision: Number(res.header.revision), prev: toKeyValue(key, prev) };
    }
    const res = await this.#kv(
      () =>
        this.client.txn({
          compare: [{ key: k, target: 'Mod', result: 'Equal', mod_revision: String(expectedModRevision) }],
          success: [{ request_delete_range: { key: k, prev_kv: true } }],
          failure: [{ request_range: { key: k } }],
        }),
      key,
    );
    if (!res.succeeded) throw this.#casFailure(key, res.responses[0]?.response_range?.kvs[0]);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs[0];
    if (!prev) throw new StorageError('NotFound', key);
    return { revision: Number(res.header.revision), prev: toKeyValue(key, prev) };
  }

  watch(opts: WatchOptions): AsyncIterable<StoreEvent[]> {
    this.#assertOpen();
    this.layout.prefixToEtcd(opts.prefix); // a prefix the layout cannot watch fails here, not later
    return this.#watch(opts);
  }

  async compact(revision: number): Promise<void> {
    this.#assertOpen();
    // Record the mark first, as a compare-and-swap on the key's version: of several API servers compacting
    // at the same time one records and compacts, the others see the new mark and stop.
    const markKey = utf8(compactRevisionKey);
    const mark = await this.#kv(() => this.client.range({ key: markKey }), compactRevisionKey);
    const current = mark.kvs[0];
    const recorded = current ? Number(current.value.toString('utf8')) : 0;
    if (revision <= recorded) return;
    const head = Number(mark.header.revision);
    if (revision > head) throw new StorageError('FutureRevision', '', `cannot compact to future revision ${revision}`, head);
    const res = await this.#kv(
      () =>
        this.client.txn({
          compare: [{ key: markKey, target: 'Version', result: 'Equal', version: current?.version ?? '0' }],
          success: [{ request_put: { key: markKey, value: utf8(String(revision)) } }],
          failure: [],
        }),
      compactRevisionKey,
    );
    if (!res.succeeded) return;
    try {
      await this.client.compact(revision);
    } catch (e) {
      if (!(e instanceof EtcdError && e.compacted)) throw e; // compacted further already: nothing to do
    }
    this.#feed?.noteCompacted(revision);
    this.#refreshSize();
  }

  async probe(): Promise<void> {
    this.#assertOpen();
    // A real read and a real round trip to the leader (a transaction whose compare fails writes nothing and
    // makes no revision, but still needs a quorum).
    const k = utf8(probeKey(this.layout.root));
    await this.client.txn({ compare: [{ key: k, target: 'Version', result: 'Less', version: '0' }], success: [{ request_put: { key: k, value: utf8('') } }], failure: [] });
    this.#refreshSize();
  }

  sizeBytes(): number {
    return this.#dbSize;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const feed = this.#feed ?? (await this.#feedStarting?.catch(() => undefined));
    await feed?.close();
    this.client.close();
  }

  async *#watch(opts: WatchOptions): AsyncGenerator<StoreEvent[]> {
    const feed = await this.#startFeed();
    yield* feed.watch(opts);
  }

  #startFeed(): Promise<EtcdWatchFeed> {
    this.#feedStarting ??= this.currentRevision().then((position) => {
      this.#feed = new EtcdWatchFeed(this.client, this.layout, position, this.#log, () => this.currentRevision());
      if (this.#closed) void this.#feed.close();
      return this.#feed;
    });
    this.#feedStarting.catch(() => {
      this.#feedStarting = undefined;
    });
    return this.#feedStarting;
  }

  #refreshSize(): void {
    this.client
      .status()
      .then((s) => {
        this.#dbSize = Number(s.dbSize);
      })
      .catch(() => undefined);
  }

  #storeKey(raw: RawKeyValue): string {
    const etcdKey = raw.key.toString('utf8');
    const key = this.layout.fromEtcd(etcdKey);
    if (key === undefined) throw new Error(`etcd storage: key ${JSON.stringify(etcdKey)} is outside ${this.layout.root}/`);
    return key;
  }

  #casFailure(key: string, current: RawKeyValue | undefined): StorageError {
    if (!current) return new StorageError('NotFound', key);
    return new StorageError('Conflict', key, undefined, Number(current.mod_revision));
  }

  /** Runs one KV call and turns etcd's revision errors into the store's. */
  async #kv<T>(call: () => Promise<T>, key: string, revision?: number): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof EtcdError && e.compacted) {
        const compacted = await this.compactedRevision().catch(() => 0);
        throw new StorageError('Compacted', key, `required revision ${revision ?? '(current)'} has been compacted`, compacted);
      }
      if (e instanceof EtcdError && e.futureRevision) {
        throw new StorageError('FutureRevision', key, `required revision ${revision ?? '(current)'} is a future revision`);
      }
      throw e;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new StorageError('Closed', '', 'storage is closed');
  }
}

export function openEtcdStorage(opts: EtcdStorageOptions): EtcdStorage {
  return new EtcdStore(opts);
}
