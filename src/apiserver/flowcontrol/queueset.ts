// One priority level's queues: shuffle sharding picks a queue for a flow, fair queuing picks which queue's head
// runs next, and the level's seat limit says how many run at once. Every queue is bounded (queueLengthLimit) and
// every wait is bounded (waitLimitMs), so clients cannot make the server hold more than queues × limit waiters.
//
// Fairness is start-time fair queuing over seat-milliseconds: each queue carries a virtual start; the non-empty
// queue with the smallest one dispatches next and is charged the expected cost of its request, corrected by the
// actual cost when the request finishes. A flow that sends a hundred requests thus waits behind its own requests,
// not in front of a flow that sends one.

export interface QueuingParams {
  queues: number;
  handSize: number;
  queueLengthLimit: number;
}

export interface QueueSetConfig {
  /** Seats that may be in use at once. */
  limit: number;
  /** Without queuing the level rejects what does not fit at once. */
  queuing: QueuingParams | undefined;
}

export type RejectReason = 'queue-full' | 'concurrency-limit' | 'time-out' | 'cancelled';

export type Outcome = { dispatched: true; release: () => void } | { dispatched: false; reason: RejectReason };

interface Waiter {
  seats: number;
  enqueuedAt: number;
  queue: Queue;
  settle: (o: Outcome) => void;
  done: boolean;
  onAbort: (() => void) | undefined;
  signal: AbortSignal | undefined;
}

class Queue {
  items: Waiter[] = [];
  head = 0;
  /** Virtual start of the next request dispatched from here. */
  virtualStart = 0;
  seatsInUse = 0;
  waitingSeats = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(w: Waiter): void {
    this.items.push(w);
  }
  peek(): Waiter | undefined {
    return this.items[this.head];
  }
  shift(): Waiter | undefined {
    const w = this.items[this.head];
    if (w === undefined) return undefined;
    this.items[this.head] = undefined as unknown as Waiter;
    this.head++;
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return w;
  }
  remove(w: Waiter): boolean {
    const i = this.items.indexOf(w, this.head);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }
}

const rejected = (reason: RejectReason): Outcome => ({ dispatched: false, reason });

/**
 * Deals `handSize` distinct queue indexes out of `deckSize` from one hash value (< 2^53), as a shuffled deck would:
 * successive remainders pick among the cards left, then shift past the cards already dealt.
 */
export function dealHand(hash: number, deckSize: number, handSize: number, out: number[]): number[] {
  out.length = 0;
  let h = hash;
  for (let i = 0; i < handSize; i++) {
    const left = deckSize - i;
    const next = Math.floor(h / left);
    out.push(h - next * left);
    h = next;
  }
  // each remainder counts among the cards not yet dealt: step past the dealt ones, smallest first
  const dealt = sortedScratch;
  dealt.length = 0;
  for (let i = 0; i < handSize; i++) {
    let card = out[i]!;
    let at = 0;
    while (at < dealt.length && card >= dealt[at]!) {
      card++;
      at++;
    }
    dealt.splice(at, 0, card);
    out[i] = card;
  }
  return out;
}
const sortedScratch: number[] = [];

export class QueueSet {
  private config: QueueSetConfig;
  private queues: Queue[] = [];
  /** Queues of an earlier configuration that still hold waiters. */
  private draining: Queue[] = [];
  seatsInUse = 0;
  waiting = 0;
  executing = 0;
  private virtualTime = 0;
  /** Expected milliseconds per seat, a moving average of what requests took. */
  private expectedMs = 1;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly hand: number[] = [];

  constructor(config: QueueSetConfig, private readonly opts: { waitLimitMs: number; now?: () => number }) {
    this.config = config;
    this.resize();
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : performance.now();
  }

  get limit(): number {
    return this.config.limit;
  }

  setConfig(config: QueueSetConfig): void {
    const oldQueues = this.config.queuing?.queues ?? 0;
    this.config = config;
    if ((config.queuing?.queues ?? 0) !== oldQueues) this.resize();
    this.dispatchAsMuchAsPossible();
  }

  private resize(): void {
    for (const q of this.queues) if (q.length > 0) this.draining.push(q);
    const n = this.config.queuing?.queues ?? 0;
    this.queues = Array.from({ length: n }, () => new Queue());
    // without queuing, what waited is refused now
    if (!this.config.queuing) for (const q of this.draining.splice(0)) for (let w = q.shift(); w; w = q.shift()) this.finishWaiter(w, rejected('concurrency-limit'));
  }

  /**
   * Runs a request at once when nothing waits and its seats are free; no queue is chosen then (fairness only
   * matters once requests wait). A true answer must be followed by finishUnqueued.
   */
  tryStartUnqueued(seats: number): boolean {
    if (this.waiting > 0 || this.seatsInUse + seats > this.config.limit) return false;
    this.seatsInUse += seats;
    this.executing++;
    return true;
  }

  finishUnqueued(seats: number, tookMs: number): void {
    this.seatsInUse -= seats;
    this.executing--;
    this.expectedMs = this.expectedMs * 0.9 + Math.max(0.05, tookMs) * 0.1;
    if (this.waiting > 0) this.dispatchAsMuchAsPossible();
  }

  /** Admit one request of `seats` seats from the flow hashed to `flowHash`: at once (an Outcome) or after waiting. */
  admit(flowHash: number, seats: number, signal?: AbortSignal): Outcome | Promise<Outcome> {
    const { limit, queuing } = this.config;
    if (!queuing) {
      if (this.seatsInUse + seats > limit) return rejected('concurrency-limit');
      return this.start(undefined, seats);
    }
    if (signal?.aborted) return rejected('cancelled');
    const queue = this.chooseQueue(flowHash, queuing);
    if (queue.length >= queuing.queueLengthLimit) return rejected('queue-full');
    // nothing waits anywhere and the seats are free: run now
    if (this.waiting === 0 && this.seatsInUse + seats <= limit) {
      if (queue.seatsInUse === 0 && queue.virtualStart < this.virtualTime) queue.virtualStart = this.virtualTime;
      queue.virtualStart += seats * this.expectedMs;
      return this.start(queue, seats);
    }
    return new Promise<Outcome>((settle) => {
      const w: Waiter = { seats, enqueuedAt: this.now(), queue, settle, done: false, onAbort: undefined, signal };
      if (queue.length === 0 && queue.seatsInUse === 0 && queue.virtualStart < this.virtualTime) queue.virtualStart = this.virtualTime;
      queue.push(w);
      queue.waitingSeats += seats;
      this.waiting++;
      if (signal) {
        w.onAbort = () => {
          if (w.done || !w.queue.remove(w)) return;
          w.queue.waitingSeats -= w.seats;
          this.waiting--;
          this.finishWaiter(w, rejected('cancelled'));
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.armSweep();
      this.dispatchAsMuchAsPossible();
    });
  }

  private chooseQueue(flowHash: number, q: QueuingParams): Queue {
    if (this.queues.length === 1) return this.queues[0]!;
    const hand = dealHand(flowHash, this.queues.length, Math.min(q.handSize, this.queues.length), this.hand);
    let best = this.queues[hand[0]!]!;
    let bestLoad = best.waitingSeats + best.seatsInUse;
    for (let i = 1; i < hand.length; i++) {
      const c = this.queues[hand[i]!]!;
      const load = c.waitingSeats + c.seatsInUse;
      if (load < bestLoad) {
        best = c;
        bestLoad = load;
      }
    }
    return best;
  }

  private start(queue: Queue | undefined, seats: number): Outcome {
    this.seatsInUse += seats;
    this.executing++;
    if (queue) queue.seatsInUse += seats;
    const began = this.now();
    const charged = seats * this.expectedMs;
    let released = false;
    return {
      dispatched: true,
      release: () => {
        if (released) return;
        released = true;
        this.seatsInUse -= seats;
        this.executing--;
        const tookMs = Math.max(0, this.now() - began);
        this.expectedMs = this.expectedMs * 0.9 + Math.max(0.05, tookMs) * 0.1;
        if (queue) {
          queue.seatsInUse -= seats;
          queue.virtualStart += seats * tookMs - charged;
        }
        this.dispatchAsMuchAsPossible();
      },
    };
  }

  private finishWaiter(w: Waiter, o: Outcome): void {
    if (w.done) {
      if (o.dispatched) o.release();
      return;
    }
    w.done = true;
    if (w.onAbort && w.signal) w.signal.removeEventListener('abort', w.onAbort);
    w.settle(o);
  }

  /** The non-empty queue whose head starts earliest in virtual time (queues of an old configuration first). */
  private nextQueue(): Queue | undefined {
    while (this.draining.length > 0 && this.draining[0]!.length === 0) this.draining.shift();
    if (this.draining.length > 0) return this.draining[0];
    let best: Queue | undefined;
    for (const q of this.queues) if (q.length > 0 && (!best || q.virtualStart < best.virtualStart)) best = q;
    return best;
  }

  private dispatchAsMuchAsPossible(): void {
    while (this.waiting > 0) {
      const q = this.nextQueue();
      const w = q?.peek();
      if (!q || !w) break;
      if (this.seatsInUse + w.seats > this.config.limit && this.seatsInUse > 0) break;
      if (this.config.limit <= 0) break;
      q.shift();
      q.waitingSeats -= w.seats;
      this.waiting--;
      if (q.virtualStart > this.virtualTime) this.virtualTime = q.virtualStart;
      q.virtualStart += w.seats * this.expectedMs;
      this.finishWaiter(w, this.start(q, w.seats));
    }
  }

  /** Refuses, oldest first, whatever has waited longer than the wait limit. */
  private sweep(): void {
    const deadline = this.now() - this.opts.waitLimitMs;
    for (const q of [...this.draining, ...this.queues]) {
      for (let w = q.peek(); w && w.enqueuedAt <= deadline; w = q.peek()) {
        q.shift();
        q.waitingSeats -= w.seats;
        this.waiting--;
        this.finishWaiter(w, rejected('time-out'));
      }
    }
  }

  private armSweep(): void {
    if (this.sweepTimer) return;
    const every = Math.max(10, Math.min(1000, this.opts.waitLimitMs / 4));
    this.sweepTimer = setInterval(() => {
      this.sweep();
      if (this.waiting === 0 && this.sweepTimer) {
        clearInterval(this.sweepTimer);
        this.sweepTimer = undefined;
      }
    }, every);
    this.sweepTimer.unref();
  }

  /** Refuses everything waiting (the level is gone or the server stops). */
  close(): void {
    for (const q of [...this.draining, ...this.queues]) {
      for (let w = q.shift(); w; w = q.shift()) {
        this.waiting--;
        this.finishWaiter(w, rejected('concurrency-limit'));
      }
    }
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }
}
