// The etcd store's watches. One etcd watch over the whole key space (the "feed") follows the store from its
// position; every etcd revision is a write to some key, so each revision arrives as at least one event and
// the feed's position is exact: every event up to it has been received. That gives progress notifications
// for free (also for writes outside a watcher's prefix, or by other clusters on the same etcd) without
// relying on etcd's progress requests. Watchers subscribe to the feed and keep the events under their prefix.
//
// A watcher that starts before the feed's position first replays (afterRevision, position] from a watch of
// its own, then switches to what the feed queued meanwhile: no revision is lost or repeated.
// When the feed's member fails, the feed reopens on the next member from position + 1.
import { Subscribers } from '../subscribers.js';
import { StorageError } from '../types.js';
import type { KeyValue, StoreEvent, WatchOptions } from '../types.js';
import type { EtcdClient, RawKeyValue, WatchEvent, WatchResponse } from './client.js';
import type { KeyLayout } from './key-layout.js';

const allKeys = Buffer.from([0]);
const reconnectDelayMs = 300;

export function toKeyValue(key: string, raw: RawKeyValue): KeyValue {
  return { key, value: raw.value.toString('utf8'), createRevision: Number(raw.create_revision), modRevision: Number(raw.mod_revision) };
}

/** Store events of one watch response, for keys under the layout's root (others only advance the position). */
export function toStoreEvents(layout: KeyLayout, events: readonly WatchEvent[]): StoreEvent[] {
  const out: StoreEvent[] = [];
  for (const ev of events) {
    const key = layout.fromEtcd(ev.kv.key.toString('utf8'));
    if (key === undefined) continue;
    const prev = ev.prev_kv && ev.prev_kv.key.length > 0 ? toKeyValue(key, ev.prev_kv) : undefined;
    if (ev.type === 'Delete') {
      // prev_kv is missing only when its revision was compacted in between; the watch cache keeps its own copy.
      out.push({ type: 'delete', key, revision: Number(ev.kv.mod_revision), prev: prev ?? { key, value: '', createRevision: 0, modRevision: 0 } });
    } else {
      out.push(prev ? { type: 'put', kv: toKeyValue(key, ev.kv), prev } : { type: 'put', kv: toKeyValue(key, ev.kv) });
    }
  }
  return out;
}

function lastRevision(events: readonly WatchEvent[]): number {
  const last = events[events.length - 1];
  return last ? Number(last.kv.mod_revision) : 0;
}

/**
 * Runs one etcd watch over every key from startRevision (inclusive) on the client's current member and
 * hands each response to onResponse. Resolves when the stream ends or fails (the reason is returned), or
 * when signal aborts. A cancel by etcd because of compaction is reported as { compacted }.
 */
function runWatchStream(
  client: EtcdClient,
  startRevision: number,
  signal: AbortSignal,
  onResponse: (res: WatchResponse) => void,
): Promise<{ compacted?: number; error?: Error; member: string }> {
  const { member, stream } = client.openWatchStream();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: { compacted?: number; error?: Error }): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      stream.removeAllListeners('data');
      stream.on('error', () => undefined);
      stream.cancel();
      resolve({ ...outcome, member });
    };
    const onAbort = (): void => finish({});
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (res: WatchResponse) => {
      if (res.canceled) {
        const compacted = Number(res.compact_revision);
        finish(compacted > 0 ? { compacted } : { error: new Error(`etcd canceled the watch: ${res.cancel_reason || 'no reason given'}`) });
        return;
      }
      try {
        onResponse(res);
      } catch (e) {
        finish({ error: e instanceof Error ? e : new Error(String(e)) });
      }
    });
    stream.on('error', (e: Error) => finish({ error: e }));
    stream.on('end', () => finish({ error: new Error('etcd closed the watch stream') }));
    stream.write({ create_request: { key: allKeys, range_end: allKeys, start_revision: String(startRevision), prev_kv: true, progress_notify: true } });
  });
}

export class EtcdWatchFeed {
  readonly #subscribers = new Subscribers();
  readonly #stop = new AbortController();
  #position: number;
  /** The highest compaction revision etcd has reported to a watch. */
  #compactedSeen = 0;
  readonly #running: Promise<void>;

  constructor(
    private readonly client: EtcdClient,
    private readonly layout: KeyLayout,
    startPosition: number,
    private readonly log: (line: string) => void,
    /** The current revision, to restart from when the feed's own history was compacted away. */
    private readonly currentRevision: () => Promise<number>,
  ) {
    this.#position = startPosition;
    this.#running = this.#follow();
  }

  get position(): number {
    return this.#position;
  }

  get compactedSeen(): number {
    return this.#compactedSeen;
  }

  /** The store compacted etcd up to revision: watches from before it fail at once. */
  noteCompacted(revision: number): void {
    this.#compactedSeen = Math.max(this.#compactedSeen, revision);
  }

  get watcherCount(): number {
    return this.#subscribers.size;
  }

  async close(): Promise<void> {
    this.#stop.abort();
    this.#subscribers.endAll();
    await this.#running;
  }

  watch(opts: WatchOptions): AsyncIterable<StoreEvent[]> {
    return this.#watch(opts);
  }

  async #follow(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      const outcome = await runWatchStream(this.client, this.#position + 1, signal, (res) => this.#receive(res));
      if (signal.aborted) return;
      const compacted = outcome.compacted;
      if (compacted !== undefined) {
        // History the feed had not received yet is gone: its watchers cannot continue without a gap.
        this.#compactedSeen = Math.max(this.#compactedSeen, compacted);
        const failure = new StorageError('Compacted', '', `etcd compacted revision ${this.#position + 1} before the watch received it`, compacted);
        this.#subscribers.endAll(failure);
        this.#position = Math.max(this.#position, await this.currentRevision().catch(() => compacted - 1));
        continue;
      }
      this.log(`etcd watch on ${outcome.member} ended (${outcome.error?.message ?? 'closed'}); resuming from revision ${this.#position + 1} on the next member`);
      this.client.failOver(outcome.member);
      await new Promise((r) => setTimeout(r, reconnectDelayMs));
    }
  }

  #receive(res: WatchResponse): void {
    if (res.events.length === 0) return; // created, or a periodic progress notification: the events carry the position
    const position = lastRevision(res.events);
    if (position <= this.#position) return; // already seen (a resumed watch never repeats, but be safe)
    const events = toStoreEvents(this.layout, res.events.filter((ev) => Number(ev.kv.mod_revision) > this.#position));
    this.#position = position;
    this.#subscribers.publish(events, position);
  }

  /** Replays (after, upTo] under prefix from etcd's history; throws Compacted when that history is gone. */
  async *#history(prefix: string, after: number, upTo: number, signal: AbortSignal): AsyncGenerator<StoreEvent[]> {
    const queue: StoreEvent[][] = [];
    let reached = after;
    let wake: (() => void) | undefined;
    const local = new AbortController();
    const onAbort = (): void => local.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const done = runWatchStream(this.client, after + 1, local.signal, (res) => {
      if (res.events.length === 0 || reached >= upTo) return;
      const wanted = res.events.filter((ev) => Number(ev.kv.mod_revision) <= upTo);
      const events = toStoreEvents(this.layout, wanted).filter((ev) => (ev.type === 'put' ? ev.kv.key : ev.key).startsWith(prefix));
      if (events.length > 0) queue.push(events);
      reached = Math.max(reached, lastRevision(res.events));
      if (reached >= upTo) local.abort();
      wake?.();
    }).then((outcome) => {
      local.abort();
      wake?.();
      return outcome;
    });
    try {
      for (;;) {
        const batch = queue.shift();
        if (batch) {
          yield batch;
          continue;
        }
        if (reached >= upTo || signal.aborted) return;
        if (local.signal.aborted) {
          const outcome = await done;
          if (outcome.compacted !== undefined) {
            this.#compactedSeen = Math.max(this.#compactedSeen, outcome.compacted);
            throw new StorageError('Compacted', prefix, `required revision ${after + 1} has been compacted (oldest watchable: ${outcome.compacted})`, outcome.compacted);
          }
          if (queue.length === 0) {
            // The member failed mid-replay: go on from what was received, on the next member.
            this.client.failOver(outcome.member);
            await new Promise((r) => setTimeout(r, reconnectDelayMs));
            yield* this.#history(prefix, reached, upTo, signal);
            return;
          }
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      local.abort();
      await done;
    }
  }

  async *#watch({ prefix, afterRevision, signal, onProgress }: WatchOptions): AsyncGenerator<StoreEvent[]> {
    if (signal.aborted) return;
    // Subscribe first: whatever the feed receives from here on is queued while history is replayed.
    const replayUpTo = this.#position;
    const sub = this.#subscribers.subscribe(prefix, replayUpTo, signal);
    try {
      if (afterRevision < replayUpTo) {
        if (afterRevision < this.#compactedSeen) {
          throw new StorageError('Compacted', prefix, `required revision ${afterRevision + 1} has been compacted (oldest watchable: ${this.#compactedSeen})`, this.#compactedSeen);
        }
        for await (const batch of this.#history(prefix, afterRevision, replayUpTo, signal)) yield batch;
      }
      yield* sub.events(afterRevision, onProgress);
    } finally {
      sub.close();
    }
  }
}
