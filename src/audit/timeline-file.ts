// The audit timeline read from a log file another process writes (`a-kube console --audit-log-path`): new lines are
// read on each request and, while someone follows the timeline live, every `tailMs`; a file that shrank (rotated)
// is read again from its start. A file that cannot be read is said once in the log and reported to the timeline's
// readers (`problem()`) until a read works again; what was read before stays.
import { open, stat } from 'node:fs/promises';
import { RecentTimeline, timelineEntry, type TimelineEntry, type TimelineRead, type TimelineSource } from './timeline.js';

/** Bytes read per call at most, so a huge backlog is taken in steps. */
const maxReadBytes = 8 * 1024 * 1024;

export class LogFileTimeline implements TimelineSource {
  private offset = 0;
  private seq = 0;
  private readonly recent: RecentTimeline;
  /** The read in progress: reads of the file never overlap (two would take the same lines). */
  private reading: Promise<void> | undefined;
  private followers = 0;
  private tail: NodeJS.Timeout | undefined;
  private failure: string | undefined;

  constructor(
    private readonly path: string,
    capacity = 5000,
    private readonly tailMs = 250,
    private readonly log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  ) {
    this.recent = new RecentTimeline(capacity);
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
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // not written yet
      throw e;
    }
    if (size < this.offset) this.offset = 0;
    if (size === this.offset) return;
    const fh = await open(this.path, 'r');
    try {
      const length = Math.min(size - this.offset, maxReadBytes);
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, this.offset);
      const text = buf.subarray(0, bytesRead);
      const end = text.lastIndexOf(0x0a);
      if (end < 0) return; // a partial line: wait for its end
      this.offset += end + 1;
      const added: TimelineEntry[] = [];
      for (const line of text.subarray(0, end).toString('utf8').split('\n')) {
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
