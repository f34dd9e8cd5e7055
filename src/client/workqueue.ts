// Rate-limited, de-duplicating work queues (client-go's workqueue): an item waiting in the queue is
// "dirty"; an item a worker holds is "processing". Adding a dirty item is a no-op, and adding a
// processing item only marks it dirty, so it runs once more after done() and never on two workers at once.

/** Time and timers, injected so queues, informers and leases can be tested without sleeping. */
export interface Clock {
  now(): number;
  /** Calls fn after ms; returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return () => clearTimeout(t);
  },
};

/** A clock that moves only when told to: advance(ms) fires the timers that fall due, in order. */
export class FakeClock implements Clock {
  #now: number;
  #timers: { at: number; seq: number; fn: () => void }[] = [];
  #seq = 0;

  constructor(start = Date.UTC(2024, 4, 1, 10, 0, 0)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const timer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** How many timers are waiting. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers[0];
      if (!next || next.at > target) break;
      this.#timers.shift();
      this.#now = next.at;
      next.fn();
    }
    this.#now = target;
  }
}

export interface WorkQueueOptions {
  clock?: Clock;
  /** First retry delay of addRateLimited (doubles per failure of the same item). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export class WorkQueue<T = string> {
  readonly #clock: Clock;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #queue: T[] = [];
  #head = 0;
  readonly #dirty = new Set<T>();
  readonly #processing = new Set<T>();
  readonly #failures = new Map<T, number>();
  readonly #delayed = new Map<T, { at: number; cancel: () => void }>();
  #waiters: ((item: T | undefined) => void)[] = [];
  #shuttingDown = false;

  constructor(opts: WorkQueueOptions = {}) {
    this.#clock = opts.clock ?? realClock;
    this.#baseDelayMs = opts.baseDelayMs ?? 5;
    this.#maxDelayMs = opts.maxDelayMs ?? 1000_000;
  }

  add(item: T): void {
    if (this.#shuttingDown || this.#dirty.has(item)) return;
    this.#dirty.add(item);
    if (this.#processing.has(item)) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#dirty.delete(item);
      this.#processing.add(item);
      waiter(item);
      return;
    }
    this.#queue.push(item);
  }

  /** Adds the item once ms have passed; an earlier pending addAfter of the same item wins. */
  addAfter(item: T, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) return this.add(item);
    const at = this.#clock.now() + ms;
    const existing = this.#delayed.get(item);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const cancel = this.#clock.setTimer(() => {
      this.#delayed.delete(item);
      this.add(item);
    }, ms);
    this.#delayed.set(item, { at, cancel });
  }

  /** Adds the item after a per-item exponential backoff (base · 2^failures, capped). */
  addRateLimited(item: T): void {
    const failures = this.#failures.get(item) ?? 0;
    this.#failures.set(item, failures + 1);
    this.addAfter(item, Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** failures));
  }

  /** Clears the item's failure count (call after a successful run). */
  forget(item: T): void {
    this.#failures.delete(item);
  }

  numRequeues(item: T): number {
    return this.#failures.get(item) ?? 0;
  }

  /** The next item (now marked processing), or undefined once the queue is shut down or the signal aborts. */
  get(signal?: AbortSignal): Promise<T | undefined> {
    if (this.#head < this.#queue.length) {
      const item = this.#queue[this.#head] as T;
      this.#head++;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#head);
        this.#head = 0;
      }
      this.#dirty.delete(item);
      this.#processing.add(item);
      return Promise.resolve(item);
    }
    if (this.#shuttingDown || signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter = (item: T | undefined) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(item);
      };
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Marks the item finished; if it was added again meanwhile, it goes back in the queue. */
  done(item: T): void {
    this.#processing.delete(item);
    if (this.#dirty.has(item)) {
      this.#dirty.delete(item);
      this.add(item);
    }
  }

  get length(): number {
    return this.#queue.length - this.#head;
  }

  isProcessing(item: T): boolean {
    return this.#processing.has(item);
  }

  shutDown(): void {
    this.#shuttingDown = true;
    for (const d of this.#delayed.values()) d.cancel();
    this.#delayed.clear();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w(undefined);
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }
}
