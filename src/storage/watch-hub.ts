// One broadcaster per store: backends publish every change once, in revision order, and each watcher
// gets the changes under its prefix. A new watcher first replays history from the backend, then switches
// to the live feed in the same tick, so no revision is lost or repeated.
import { eventRevision } from './keys.js';
import { Subscribers } from './subscribers.js';
import { StorageError } from './types.js';
import type { StoreEvent, WatchOptions } from './types.js';

/** What a backend exposes so the hub can replay history for a watcher that starts in the past. */
export interface WatchHistory {
  /** Every event with revision <= position() is either readable as history or already published. */
  position(): number;
  compactedRevision(): number;
  /** Events under prefix with afterRevision < revision <= upTo, ascending, at most limit of them. */
  readHistory(prefix: string, afterRevision: number, upTo: number, limit: number): StoreEvent[];
}

const historyBatch = 1000;

export class WatchHub {
  readonly #subscribers = new Subscribers();

  constructor(private readonly history: WatchHistory) {}

  get watcherCount(): number {
    return this.#subscribers.size;
  }

  /** Publish the events of revisions up to position (events may be empty: progress only). */
  publish(events: readonly StoreEvent[], position: number): void {
    this.#subscribers.publish(events, position);
  }

  /** End every watcher: normally (failure undefined) or by throwing failure from its iterator. */
  endAll(failure?: Error): void {
    this.#subscribers.endAll(failure);
  }

  watch(opts: WatchOptions): AsyncIterable<StoreEvent[]> {
    return this.#run(opts);
  }

  async *#run({ prefix, afterRevision, signal, onProgress }: WatchOptions): AsyncGenerator<StoreEvent[]> {
    let cursor = afterRevision;
    let position = this.history.position();
    for (;;) {
      if (signal.aborted) return;
      const compacted = this.history.compactedRevision();
      if (cursor < compacted) {
        throw new StorageError('Compacted', prefix, `required revision ${cursor + 1} has been compacted (oldest watchable: ${compacted})`, compacted);
      }
      position = this.history.position();
      if (cursor >= position) break;
      const events = this.history.readHistory(prefix, cursor, position, historyBatch);
      const last = events[events.length - 1];
      cursor = events.length === historyBatch && last ? eventRevision(last) : position;
      if (events.length > 0) yield events;
    }
    // Synchronously after the last history read: from here on the live feed carries every revision > position.
    const sub = this.#subscribers.subscribe(prefix, position, signal);
    try {
      yield* sub.events(afterRevision, onProgress);
    } finally {
      sub.close();
    }
  }
}
