// The audit timeline read from a log file: the one another process writes (`a-kube console --audit-log-path`), or
// the one `a-kube up` writes itself, whose console reads the timeline back from its log rather than keep a second
// record of every request in memory (a copy of each kept for a while cost the server more per request than writing
// the log). New lines are read on each request and, while someone follows the timeline live, every `tailMs`; the
// first read starts near the file's end (the newest `capacity` entries are what is shown); a file that shrank
// (rotated) is read again from its start. A file that cannot be read is said once in the log and reported to the
// timeline's readers (`problem()`) until a read works again; what was read before stays.
import { open, stat } from 'node:fs/promises';
import { RecentTimeline, timelineEntry, type TimelineEntry, type TimelineRead, type TimelineSource } from './timeline.js';

/** Bytes read per call at most, so a huge backlog is taken in steps; also how far back from its end a file is first read. */
const maxReadBytes = 8 * 1024 * 1024;

export interface LogFileTimelineOptions {
  /** Entries kept (the newest). */
  capacity?: number;
  /** How often the file is read while someone follows the timeline live. */
  tailMs?: number;
  log?: (line: string) => void;
  /** Runs before each read: the writer in this process puts what it holds into the file, so a read sees every request answered before it. */
  beforeRead?: () => void;
}

export class LogFileTimeline implements TimelineSource {
  private offset = 0;
  private seq = 0;
  private readonly recent: RecentTimeline;
  /** The read in progress: reads of the file never overlap (two would take the same lines). */
  private reading: Promise<void> | undefined;
  private followers = 0;
  private tail: NodeJS.Timeout | undefined;
  private failure: string | undefined;
  /** Nothing read yet: the first read starts near the end. */
  private fresh = true;
  private readonly tailMs: number;
  private readonly log: (line: string) => void;
  private readonly beforeRead: (() => void) | undefined;

  constructor(
    private readonly path: string,
    o: LogFileTimelineOptions = {},
  ) {
    this.recent = new RecentTimeline(o.capacity ?? 5000);
    this.tailMs = o.tailMs ?? 250;
    this.log = o.log ?? ((l) => process.stderr.write(`${l}\n`));
    this.beforeRead = o.beforeRead;
  }

  /** Why the file cannot be read now, or undefined when it can (or does not exist yet). */
  problem(): string | undefined {
    return this.failure;
  }

  get epoch(): string {
    return this.recent.epoch;
  }

  private catchUp(): Promise<void> {
    this.reading ??= this.readNewLines()
      .then(() => this.setFailure(undefined), (e: unknown) => this.setFailure(`cannot read the audit log ${this.path}: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => (this.reading = undefined));
    return this.reading;
  }

  private setFailure(message: string | undefined): void {
    if (message === this.failure) return;
    if (message !== undefined) this.log(`audit timeline: ${message}; the timeline shows what was read before`);
    else this.log(`audit timeline: reading ${this.path} works again`);
    this.failure = message;
    // readers learn of it (and of its end) as of new entries
    this.recent.notify();
  }

  private async readNewLines(): Promise<void> {
    this.beforeRead?.();
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // not written yet
      throw e;
    }
    if (size < this.offset) this.offset = 0;
    // the first read takes the file's last part, from the first whole line in it
    let skipPartial = false;
    if (this.fresh && size > maxReadBytes) {
      this.offset = size - maxReadBytes - 1;
      skipPartial = true;
    }
    this.fresh = false;
    if (size === this.offset) return;
    const fh = await open(this.path, 'r');
    try {
      const length = Math.min(size - this.offset, maxReadBytes + (skipPartial ? 1 : 0));
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, this.offset);
      const text = buf.subarray(0, bytesRead);
      const end = text.lastIndexOf(0x0a);
      if (end < 0) return; // a partial line: wait for its end
      this.offset += end + 1;
      // (the byte before the window, read with it, ends the line before the first whole one when it is a newline)
      const start = skipPartial ? text.indexOf(0x0a) + 1 : 0;
      const added: TimelineEntry[] = [];
      for (const line of text.subarray(start, end).toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        let event: unknown;
        try {
          event = JSON.parse(line);
        } catch {
          continue;
        }
        const t = timelineEntry(event, this.seq + 1);
        if (!t) continue;
        this.seq++;
        added.push(t);
      }
      this.recent.pushAll(added);
    } finally {
      await fh.close();
    }
  }

  async read(after: number, limit: number): Promise<TimelineEntry[]> {
    await this.catchUp();
    return this.recent.read(after, limit);
  }

  async readAfter(after: number, limit: number): Promise<TimelineRead> {
    await this.catchUp();
    return this.recent.readAfter(after, limit);
  }

  /** While anyone listens, the file is checked every `tailMs` (new entries notify through the kept timeline). */
  subscribe(listener: () => void): () => void {
    const off = this.recent.subscribe(listener);
    if (this.followers++ === 0) {
      // catchUp never rejects: a failure is kept as problem() and logged
      this.tail = setInterval(() => void this.catchUp(), this.tailMs);
      this.tail.unref();
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      off();
      if (--this.followers === 0) clearInterval(this.tail);
    };
  }
}
