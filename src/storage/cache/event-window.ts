// A bounded ring of the most recent cache events, to serve watches that start at a past revision. Bounded twice:
// by count, and by the stored size of the objects it keeps (so a few large objects patched often cannot hold
// thousands of megabyte-sized versions); the newest event always stays.
import type { CacheEvent } from '../cache-types.js';

export interface WindowEntry {
  key: string;
  event: CacheEvent;
  /** Stored size of the event's object (its JSON text), counted against maxBytes. */
  bytes?: number;
}

export class EventWindow {
  readonly #ring: (WindowEntry | undefined)[];
  #first = 0;
  #size = 0;
  #bytes = 0;
  /** Every event with revision > this is in the window: the lowest afterRevision a watch can start from. */
  #oldestWatchable: number;

  constructor(
    readonly capacity: number,
    startRevision: number,
    readonly maxBytes = Number.POSITIVE_INFINITY,
  ) {
    this.#ring = new Array<WindowEntry | undefined>(capacity);
    this.#oldestWatchable = startRevision;
  }

  get oldestWatchable(): number {
    return this.#oldestWatchable;
  }

  /** Bytes of the events held. */
  get bytes(): number {
    return this.#bytes;
  }

  push(entry: WindowEntry): void {
    const bytes = entry.bytes ?? 0;
    while (this.#size > 0 && (this.#size === this.capacity || this.#bytes + bytes > this.maxBytes)) {
      const evicted = this.#ring[this.#first] as WindowEntry;
      this.#ring[this.#first] = undefined;
      this.#oldestWatchable = evicted.event.revision;
      this.#bytes -= evicted.bytes ?? 0;
      this.#first = (this.#first + 1) % this.capacity;
      this.#size--;
    }
    this.#ring[(this.#first + this.#size) % this.capacity] = entry;
    this.#size++;
    this.#bytes += bytes;
  }

  /** Entries with revision > afterRevision, oldest first. */
  since(afterRevision: number): WindowEntry[] {
    let lo = 0;
    let hi = this.#size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#at(mid).event.revision <= afterRevision) lo = mid + 1;
      else hi = mid;
    }
    const out: WindowEntry[] = [];
    for (let i = lo; i < this.#size; i++) out.push(this.#at(i));
    return out;
  }

  reset(startRevision: number): void {
    this.#ring.fill(undefined);
    this.#first = 0;
    this.#size = 0;
    this.#bytes = 0;
    this.#oldestWatchable = startRevision;
  }

  #at(i: number): WindowEntry {
    return this.#ring[(this.#first + i) % this.capacity] as WindowEntry;
  }
}
