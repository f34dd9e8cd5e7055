// The audit timeline read from a log file another process writes (`a-kube console --audit-log-path`): new lines are
// read on each request, a file that shrank (rotated) is read again from its start.
import { open, stat } from 'node:fs/promises';
import { RecentTimeline, timelineEntry, type TimelineEntry, type TimelineSource } from './timeline.js';

/** Bytes read per call at most, so a huge backlog is taken in steps. */
const maxReadBytes = 8 * 1024 * 1024;

export class LogFileTimeline implements TimelineSource {
  private offset = 0;
  private seq = 0;
  private readonly recent: RecentTimeline;

  constructor(
    private readonly path: string,
    capacity = 5000,
  ) {
    this.recent = new RecentTimeline(capacity);
  }

  private async catchUp(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch {
      return; // not written yet
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
        this.recent.push(t);
      }
    } finally {
      await fh.close();
    }
  }

  async read(after: number, limit: number): Promise<TimelineEntry[]> {
    await this.catchUp();
    return this.recent.read(after, limit);
  }
}
