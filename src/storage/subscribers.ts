// The live side of a store's watch: each watcher is a subscription with its own queue of batches, fed by
// the backend's one feed (publish) and drained by the watcher's iterator (events). Shared by every backend
// that broadcasts one ordered feed to many watchers (the in-process hub, the etcd feed).
import { eventKey, eventRevision } from './keys.js';
import type { StoreEvent } from './types.js';

export class Subscription {
  readonly batches: StoreEvent[][] = [];
  /** Everything up to this revision has been queued. */
  progress: number;
  ended = false;
  failure: Error | undefined;
  #wake: (() => void) | undefined;
  readonly #onAbort = (): void => this.wake();

  constructor(
    readonly prefix: string,
    progress: number,
    private readonly signal: AbortSignal,
    private readonly owner: Set<Subscription>,
  ) {
    this.progress = progress;
    owner.add(this);
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  wake(): void {
    this.#wake?.();
  }

  /**
   * The queued batches as they come, without events at or below afterRevision; onProgress hears each new
   * position the feed has passed while nothing was queued. Ends when the signal aborts or the feed ends,
   * throws the feed's failure.
   */
  async *events(afterRevision: number, onProgress?: (revision: number) => void): AsyncGenerator<StoreEvent[]> {
    let reported = 0;
    for (;;) {
      if (this.signal.aborted) return;
      const batch = this.batches.shift();
      if (batch) {
        const wanted = batch.filter((ev) => eventRevision(ev) > afterRevision);
        if (wanted.length > 0) yield wanted;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return;
      if (onProgress && this.progress > reported) {
        reported = this.progress;
        onProgress(reported);
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }

  close(): void {
    this.signal.removeEventListener('abort', this.#onAbort);
    this.owner.delete(this);
  }
}

export class Subscribers {
  readonly #all = new Set<Subscription>();

  get size(): number {
    return this.#all.size;
  }

  /** A new subscription that receives everything published from now on; close() it when done. */
  subscribe(prefix: string, progress: number, signal: AbortSignal): Subscription {
    return new Subscription(prefix, progress, signal, this.#all);
  }

  /** Queue the events of revisions up to position for every subscription under their prefix (events may be empty: progress only). */
  publish(events: readonly StoreEvent[], position: number): void {
    for (const sub of this.#all) {
      const mine = sub.prefix === '' ? events.slice() : events.filter((ev) => eventKey(ev).startsWith(sub.prefix));
      if (mine.length > 0) sub.batches.push(mine);
      sub.progress = Math.max(sub.progress, position);
      sub.wake();
    }
  }

  /** End every subscription: normally (failure undefined) or by throwing failure from its iterator. */
  endAll(failure?: Error): void {
    for (const sub of this.#all) {
      sub.ended = true;
      sub.failure = failure;
      sub.wake();
    }
    this.#all.clear();
  }
}
