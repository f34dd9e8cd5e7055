// The log backend: one JSON line per event, written after the request and rotated by size, age and count. Events
// are gathered for a moment (batchWaitMs), then built, serialised and written together: one write per turn of the
// event loop cost the server more than building the events, and the requests' answers do not wait for the JSON.
// A batch is written with a plain (synchronous) write: it lands in the page cache in tens of microseconds, where
// handing it to the thread pool cost the process about a hundred more (the pool's wake-ups and the completion's
// return to the event loop) for every batch.
// A write that fails (a full disk) stops auditing with one clear line on stderr, never the server; writing resumes
// by itself once the disk takes data again.
import { closeSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writevSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { LineBatch, rest } from './line-batch.js';
import type { AuditBackend, PendingEvent } from './types.js';

export interface LogBackendOptions {
  /** A file, or "-" for standard output. */
  path: string;
  /** Rotate when the file would grow past this many bytes (0: never). */
  maxSizeBytes?: number;
  /** Rotated files to keep (0: all). */
  maxBackups?: number;
  /** Delete rotated files older than this many days (0: keep). */
  maxAgeDays?: number;
  /** Events waiting to be written before new ones are dropped (bytes). */
  maxBufferBytes?: number;
  /** How long to wait after a failed write before trying again. */
  retryMs?: number;
  /** How long lines are gathered before they are written (a full batch, batchMaxBytes, is written at once). */
  batchWaitMs?: number;
  batchMaxBytes?: number;
  log?: (line: string) => void;
  now?: () => Date;
}

const day = 24 * 60 * 60 * 1000;

/** Events held unserialised at most, and the request bodies they may keep: past either they become lines at once. */
const heldMax = 256;
const heldMaxBytes = 1024 * 1024;

/** name-2006-01-02T15-04-05.000.ext: the rotated file's name, in UTC (the naming most log tools know). */
export function rotatedName(path: string, when: Date): string {
  const ext = extname(path);
  const stamp = when.toISOString().replace(/:/g, '-').replace(/Z$/, '');
  return join(dirname(path), `${basename(path, ext)}-${stamp}${ext}`);
}

export class LogBackend implements AuditBackend {
  readonly name = 'log';
  private fd: number | undefined;
  private size = 0;
  /** Events not serialised yet (at most heldMax), then the lines waiting to be written. */
  private held: PendingEvent[] = [];
  private heldBytes = 0;
  private readonly pending = new LineBatch();
  private writing: Promise<void> | undefined;
  private failedAt = 0;
  private dropped = 0;
  private failing = false;
  private closing = false;
  private closed = false;
  /** A write stopped inside a line: the file must not rotate before the line's rest is written. */
  private midLine = false;
  /** flush() calls waiting: the drain writes everything, not one batch. */
  private flushing = 0;
  private wake: (() => void) | undefined;
  /** Starts the write that is waiting for more lines now. */
  private startNow: (() => void) | undefined;
  private readonly opts: Required<Omit<LogBackendOptions, 'path'>> & { path: string };

  constructor(opts: LogBackendOptions) {
    this.opts = {
      maxSizeBytes: 100 * 1024 * 1024,
      maxBackups: 10,
      maxAgeDays: 0,
      maxBufferBytes: 64 * 1024 * 1024,
      retryMs: 5000,
      batchWaitMs: 20,
      batchMaxBytes: 256 * 1024,
      log: (l) => process.stderr.write(`audit: ${l}\n`),
      now: () => new Date(),
      ...opts,
    };
    this.open();
  }

  private open(): void {
    if (this.opts.path === '-') {
      this.fd = 1;
      return;
    }
    this.fd = openSync(this.opts.path, 'a', 0o600);
    this.size = statSync(this.opts.path).size;
  }

  process(events: readonly PendingEvent[]): void {
    for (const e of events) {
      this.held.push(e);
      this.heldBytes += e.heldBytes ?? 0;
    }
    // events are held only briefly: past a bound they become lines (bounded by bytes) even while a write waits
    if (this.held.length >= heldMax || this.heldBytes >= heldMaxBytes) this.serialize();
    if (this.held.length === 0 && this.pending.lines === 0) return;
    if (!this.writing) this.writing = this.drainSoon();
    else if (this.held.length === 0 && this.pending.bytes >= this.opts.batchMaxBytes) this.startNow?.();
  }

  /** Builds the held events and adds their lines, dropping what would pass maxBufferBytes. */
  private serialize(): void {
    const held = this.held;
    if (held.length === 0) return;
    this.held = [];
    this.heldBytes = 0;
    for (const e of held) {
      const json = JSON.stringify(e.event());
      // (a line takes at least as many bytes as it has UTF-16 units)
      if (this.pending.bytes + json.length + 1 > this.opts.maxBufferBytes) {
        this.dropped++;
        continue;
      }
      this.pending.add(json);
    }
  }

  /** Drains after batchWaitMs, or as soon as the batch is full, flush() or close() asks. */
  private drainSoon(): Promise<void> {
    return new Promise<void>((resolve) => {
      const go = () => {
        clearTimeout(timer);
        this.startNow = undefined;
        void this.drain().finally(resolve);
      };
      const timer = setTimeout(go, this.held.length === 0 && this.pending.bytes >= this.opts.batchMaxBytes ? 0 : this.opts.batchWaitMs);
      this.startNow = go;
    });
  }

  private async drain(): Promise<void> {
    try {
      while (!this.closed) {
        // records that came meanwhile (during a pause after a failed write too) become lines first
        this.serialize();
        if (this.pending.lines === 0) break;
        if (this.failing && this.closing) {
          this.opts.log(`${this.pending.lines} audit events not written: ${this.opts.path} still fails at shutdown`);
          this.pending.clear();
          break;
        }
        if (this.failing && Date.now() - this.failedAt < this.opts.retryMs) {
          // An unreferenced pause (a failing disk does not keep the process alive); close() cuts it short.
          await new Promise<void>((r) => {
            const t = setTimeout(r, this.opts.retryMs - (Date.now() - this.failedAt));
            t.unref();
            this.wake = () => {
              clearTimeout(t);
              r();
            };
          });
          this.wake = undefined;
          continue;
        }
        // the batch leaves the queue before the write: lines that come meanwhile queue behind it
        const batch = this.pending.take();
        let written = 0;
        let error: unknown;
        try {
          // (a failed open or rotation leaves no file open: it is opened again on the next try)
          if (this.fd === undefined) this.open();
          else if (this.opts.maxSizeBytes > 0 && this.size > 0 && this.size + batch.bytes > this.opts.maxSizeBytes && this.fd !== 1 && !this.midLine) this.rotate();
          ({ written, error } = writeAll(this.fd!, batch.buffers));
        } catch (e) {
          error = e;
        }
        this.size += written;
        if (error !== undefined) {
          // what was written stays written (a full disk may take part of a batch): only the rest is tried again
          if (written > 0) this.midLine = endsMidLine(batch.buffers, written);
          this.pending.putBack(rest(batch, written));
          this.fail(error);
          continue;
        }
        this.midLine = false;
        if (this.failing || this.dropped > 0) {
          this.opts.log(`writing ${this.opts.path} works again${this.dropped > 0 ? `; ${this.dropped} events were dropped meanwhile` : ''}`);
          this.failing = false;
          this.dropped = 0;
        }
        // lines that came meanwhile wait for their own batch (the finally below), unless flush() or close() waits
        if (!this.closing && !this.flushing) break;
      }
    } finally {
      this.writing = undefined;
      if ((this.held.length > 0 || this.pending.lines > 0) && !this.closed) this.process([]);
    }
  }

  private fail(e: unknown): void {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (!this.failing) {
      const why = code === 'ENOSPC' ? 'no space left on device' : e instanceof Error ? e.message : String(e);
      this.opts.log(`cannot write ${this.opts.path}: ${why}; audit events are kept in memory up to ${Math.round(this.opts.maxBufferBytes / 1048576)} MiB, then dropped, until writing works again (free space or fix the file; the API server keeps serving)`);
    }
    this.failing = true;
    this.failedAt = Date.now();
  }

  /** Closes the file, renames it and opens a new one (which may throw: the caller retries). */
  private rotate(): void {
    if (this.fd === undefined || this.fd === 1) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
    try {
      renameSync(this.opts.path, rotatedName(this.opts.path, this.opts.now()));
    } catch (e) {
      this.opts.log(`cannot rotate ${this.opts.path}: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.open();
    this.prune();
  }

  /** Rotated files beyond the count or the age limit go. */
  private prune(): void {
    const dir = dirname(this.opts.path);
    const ext = extname(this.opts.path);
    const stem = `${basename(this.opts.path, ext)}-`;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      this.opts.log(`cannot list ${dir} to delete old rotated files: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const rotated = names
      .filter((f) => f.startsWith(stem) && f.endsWith(ext) && /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}$/.test(f.slice(stem.length, f.length - ext.length)))
      .sort()
      .reverse();
    const cutoff = this.opts.now().getTime() - this.opts.maxAgeDays * day;
    rotated.forEach((f, i) => {
      const tooMany = this.opts.maxBackups > 0 && i >= this.opts.maxBackups;
      const tooOld = this.opts.maxAgeDays > 0 && Date.parse(`${f.slice(stem.length, f.length - ext.length).replace(/T(\d\d)-(\d\d)-(\d\d)/, 'T$1:$2:$3')}Z`) < cutoff;
      if (!tooMany && !tooOld) return;
      try {
        unlinkSync(join(dir, f));
      } catch {
        // already gone
      }
    });
  }

  /**
   * Writes the lines gathered for the next batch now, without waiting for batchWaitMs (the write is synchronous, so
   * the file holds them when this returns); does nothing while writes fail (they are retried on their own time).
   */
  writeHeld(): void {
    if (!this.failing) this.startNow?.();
  }

  async flush(): Promise<void> {
    this.flushing++;
    try {
      while (this.writing) {
        this.startNow?.();
        await this.writing;
      }
    } finally {
      this.flushing--;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.wake?.();
    await this.flush();
    this.closed = true;
    if (this.fd !== undefined && this.fd !== 1) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Writes all of `buffers` in order (one write may take part of them); says how many bytes went out before an error. */
function writeAll(fd: number, buffers: Buffer[]): { written: number; error?: unknown } {
  let left = buffers;
  let total = 0;
  while (left.length > 0) {
    let n: number;
    try {
      n = writevSync(fd, left);
    } catch (error) {
      return { written: total, error };
    }
    total += n;
    let i = 0;
    while (i < left.length && n >= left[i]!.length) n -= left[i++]!.length;
    left = left.slice(i);
    if (n > 0) left[0] = left[0]!.subarray(n);
  }
  return { written: total };
}

/** Whether the first `written` bytes of the buffers end inside a line. */
function endsMidLine(buffers: Buffer[], written: number): boolean {
  let at = written - 1;
  for (const b of buffers) {
    if (at < b.length) return b[at] !== 0x0a;
    at -= b.length;
  }
  return false;
}
