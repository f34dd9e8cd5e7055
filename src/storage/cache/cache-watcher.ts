// One watcher of the watch cache: a queue of the events under its prefix that pass its filter, bounded by count and
// by the stored size of the objects queued (a watcher that does not read cannot pin unbounded memory).
import type { KubeObject } from '../../api/object.js';
import type { CacheEvent } from '../cache-types.js';

type Filter = (obj: Readonly<KubeObject>) => boolean;

/**
 * The event a filtered watcher sees, as kube-apiserver's cacher does: an object that starts matching is
 * ADDED, one that stops matching is DELETED (carrying its new state), and one that never matched is skipped.
 */
export function eventForFilter(ev: CacheEvent, filter: Filter | undefined): CacheEvent | undefined {
  if (!filter) return ev;
  switch (ev.type) {
    case 'ADDED':
      return filter(ev.object) ? ev : undefined;
    case 'DELETED':
      return filter(ev.prevObject ?? ev.object) ? ev : undefined;
    case 'MODIFIED': {
      const matches = filter(ev.object);
      const matched = ev.prevObject !== undefined && filter(ev.prevObject);
      if (matches && matched) return ev;
      if (matches) return Object.freeze({ type: 'ADDED', object: ev.object, revision: ev.revision });
      if (matched) return Object.freeze({ type: 'DELETED', object: ev.object, prevObject: ev.prevObject, revision: ev.revision });
      return undefined;
    }
    default: {
      const unknownType: never = ev.type;
      throw new Error(`unknown cache event type ${String(unknownType)}`);
    }
  }
}

export class CacheWatcher {
  #pending: CacheEvent[] = [];
  #pendingBytes = 0;
  #wake: (() => void) | undefined;
  #ended = false;
  #failure: Error | undefined;

  constructor(
    readonly prefix: string,
    private readonly filter: Filter | undefined,
    private readonly maxPending: number,
    private readonly maxPendingBytes = Number.POSITIVE_INFINITY,
  ) {}

  /** Queues the event if it concerns this watcher; false when the watcher has fallen too far behind. */
  offer(ev: CacheEvent, bytes = 0): boolean {
    const mine = eventForFilter(ev, this.filter);
    if (!mine) return true;
    if (this.#pending.length >= this.maxPending) return false;
    if (this.#pending.length > 0 && this.#pendingBytes + bytes > this.maxPendingBytes) return false;
    this.#pendingBytes += bytes;
    this.#pending.push(mine);
    this.#wake?.();
    return true;
  }

  /** Queues replayed history without the bound (it is at most one window long). */
  replay(events: CacheEvent[]): void {
    for (const ev of events) {
      const mine = eventForFilter(ev, this.filter);
      if (mine) this.#pending.push(mine);
    }
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  /** Ends the watch with an error at once, dropping what was queued (so its memory is freed). */
  fail(failure: Error): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#failure = failure;
    this.#wake?.();
  }

  async *events(signal: AbortSignal): AsyncGenerator<CacheEvent[]> {
    const onAbort = (): void => this.#wake?.();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (signal.aborted) return;
        if (this.#failure) throw this.#failure;
        if (this.#pending.length > 0) {
          const batch = this.#pending;
          this.#pending = [];
          this.#pendingBytes = 0;
          yield batch;
          continue;
        }
        if (this.#ended) return;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
