// How the node's rule writers pace themselves (kube-proxy's BoundedFrequencyRunner, in small): a requested
// sync runs at once when the last one is older than minIntervalMs, else when it is; requests arriving
// meanwhile share that one run; a run is never concurrent with another; and with nothing requested a full
// resync still comes every resyncMs, repairing rules changed behind the writer's back.

export interface SyncLimiterOptions {
  /** One sync; a throw is reported to onError and the next request runs it again. */
  run: (reason: 'change' | 'resync') => Promise<void>;
  minIntervalMs: number;
  resyncMs: number;
  onError?: (e: unknown) => void;
}

export class SyncLimiter {
  readonly #o: SyncLimiterOptions;
  #timer: NodeJS.Timeout | undefined;
  /** Whether #timer is the periodic resync (which a change brings forward) rather than a pending change. */
  #timerIsResync = false;
  #running: Promise<void> | undefined;
  #dirty = false;
  #lastRun = 0;
  #stopped = false;

  constructor(o: SyncLimiterOptions) {
    this.#o = o;
  }

  /** Asks for a sync: at once when the last one is older than minIntervalMs, else when it is. */
  request(): void {
    if (this.#stopped) return;
    this.#dirty = true;
    if (this.#running || (this.#timer && !this.#timerIsResync)) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerIsResync = false;
    const wait = Math.max(0, this.#lastRun + this.#o.minIntervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.runNow('change');
    }, wait);
  }

  /** Runs one sync now (after the one in progress, if any). */
  async runNow(reason: 'change' | 'resync' = 'change'): Promise<void> {
    while (this.#running) await this.#running;
    if (this.#stopped) return;
    this.#dirty = false;
    this.#running = this.#o
      .run(reason)
      .catch((e: unknown) => {
        this.#dirty = true;
        this.#o.onError?.(e);
      })
      .finally(() => {
        this.#running = undefined;
        this.#lastRun = Date.now();
        if (this.#stopped) return;
        if (this.#dirty) this.request();
        else this.#scheduleResync();
      });
    await this.#running;
  }

  #scheduleResync(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerIsResync = true;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.runNow('resync');
    }, this.#o.resyncMs);
    this.#timer.unref();
  }

  /** No sync starts after this; resolves when the one in progress (if any) has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#running) await this.#running;
  }
}
