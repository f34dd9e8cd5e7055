// Group commit: writes submitted during one event-loop turn (and those that arrive while the loop is
// blocked in a commit's fsync) are applied in ONE transaction with ONE fsync. Each write runs in its own
// savepoint, so a write that throws is undone alone and only its caller sees the error; every caller's
// promise settles only after the whole transaction committed durably.
import { performance } from 'node:perf_hooks';
import type { Database as SqliteDatabase, Transaction } from 'better-sqlite3';

export interface GroupCommitOptions {
  /** Writes per transaction; a longer queue is committed in several transactions, one per event-loop turn. */
  maxBatchWrites?: number;
  /** Called after every committed transaction (to wake the watch poller). */
  onCommitted?: () => void;
}

export interface CommitStats {
  /** Transactions committed (each one fsync). */
  transactions: number;
  /** Writes submitted in those transactions, failed ones included. */
  writes: number;
  /** Milliseconds the event loop spent inside those transactions (applying the writes and the fsync). */
  blockedMs: number;
}

interface QueuedWrite {
  /** Runs the write inside the batch transaction; throws only when the transaction itself is lost. */
  apply(): void;
  /** Settles the caller's promise with the write's own outcome, once the batch committed. */
  settle(): void;
  /** Rejects the caller's promise: the batch did not commit. */
  fail(err: unknown): void;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

const defaultMaxBatchWrites = 1000;

export class GroupCommit {
  readonly #db: SqliteDatabase;
  readonly #maxBatchWrites: number;
  readonly #onCommitted: () => void;
  /** A transaction when none is open, a savepoint inside one (cached: building it costs more than a write). */
  readonly #atomically: Transaction<(body: () => void) => void>;
  #queue: QueuedWrite[] = [];
  #flushScheduled = false;
  #stats: CommitStats = { transactions: 0, writes: 0, blockedMs: 0 };

  constructor(db: SqliteDatabase, opts: GroupCommitOptions = {}) {
    this.#db = db;
    this.#maxBatchWrites = Math.max(1, opts.maxBatchWrites ?? defaultMaxBatchWrites);
    this.#onCommitted = opts.onCommitted ?? (() => undefined);
    this.#atomically = db.transaction((body: () => void) => body());
  }

  get stats(): CommitStats {
    return { ...this.#stats };
  }

  get pending(): number {
    return this.#queue.length;
  }

  /** Queues a synchronous write; resolves with its result once the transaction holding it is durable. */
  submit<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let outcome: Outcome<T> = { ok: false, error: new Error('write was not applied') };
      this.#queue.push({
        apply: () => {
          try {
            this.#atomically(() => {
              outcome = { ok: true, value: write() };
            });
          } catch (err) {
            // The savepoint was rolled back and the batch goes on; unless SQLite itself abandoned the
            // transaction (I/O error, out of memory…): then nothing in the batch can commit.
            if (!this.#db.inTransaction) throw err;
            outcome = { ok: false, error: err };
          }
        },
        settle: () => (outcome.ok ? resolve(outcome.value) : reject(outcome.error)),
        fail: reject,
      });
      this.#scheduleFlush();
    });
  }

  /** Commits everything queued now, synchronously (used by close()). */
  flushAll(): void {
    while (this.#queue.length > 0) this.#commitOneBatch();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // setImmediate, not a microtask: it runs after the poll phase, so every request whose data arrived
    // in this turn has queued its write by then.
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#commitOneBatch();
      if (this.#queue.length > 0) this.#scheduleFlush();
    });
  }

  #commitOneBatch(): void {
    const batch = this.#queue.splice(0, this.#maxBatchWrites);
    if (batch.length === 0) return;
    const started = performance.now();
    try {
      this.#atomically.immediate(() => {
        for (const write of batch) write.apply();
      });
    } catch (err) {
      for (const write of batch) write.fail(err);
      return;
    }
    const { transactions, writes, blockedMs } = this.#stats;
    this.#stats = { transactions: transactions + 1, writes: writes + batch.length, blockedMs: blockedMs + performance.now() - started };
    for (const write of batch) write.settle();
    this.#onCommitted();
  }
}
