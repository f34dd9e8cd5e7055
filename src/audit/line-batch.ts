// Lines waiting to be written, kept as their UTF-8 bytes: each line is encoded once, straight into a chunk of
// memory outside the JS heap, where keeping strings and joining them into one Buffer for the write encoded and
// copied every line twice (and kept a string per line for the garbage collector to move while it waited).

/** Bytes per chunk; a longer line gets a chunk of its own size. */
const chunkBytes = 64 * 1024;

export interface Batch {
  buffers: Buffer[];
  bytes: number;
  lines: number;
}

/** What is left of a batch once its first `written` bytes are in the file (a line cut there counts as one left). */
export function rest(batch: Batch, written: number): Batch {
  const buffers: Buffer[] = [];
  let skip = written;
  for (const b of batch.buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    buffers.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  let lines = 0;
  for (const b of buffers) for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a, i + 1)) lines++;
  return { buffers, bytes: batch.bytes - written, lines };
}

export class LineBatch {
  private full: Buffer[] = [];
  private chunk: Buffer | undefined;
  private used = 0;
  /** Bytes and lines held. */
  bytes = 0;
  lines = 0;

  /** Adds `text` and a newline after it; returns the bytes taken. */
  add(text: string): number {
    // a UTF-16 code unit takes at most 3 bytes of UTF-8
    const most = text.length * 3 + 1;
    if (!this.chunk || this.chunk.length - this.used < most) this.next(most);
    const chunk = this.chunk!;
    const n = chunk.write(text, this.used, 'utf8') + 1;
    chunk[this.used + n - 1] = 0x0a;
    this.used += n;
    this.bytes += n;
    this.lines++;
    return n;
  }

  private next(most: number): void {
    if (this.chunk && this.used > 0) this.full.push(this.chunk.subarray(0, this.used));
    this.chunk = Buffer.allocUnsafe(Math.max(chunkBytes, most));
    this.used = 0;
  }

  /** Everything held, oldest first; the batch is empty afterwards. */
  take(): Batch {
    if (this.chunk && this.used > 0) this.full.push(this.chunk.subarray(0, this.used));
    const batch = { buffers: this.full, bytes: this.bytes, lines: this.lines };
    // the rest of the current chunk stays in use: lines added next go after the taken ones
    if (this.chunk) {
      this.chunk = this.chunk.subarray(this.used);
      this.used = 0;
    }
    this.full = [];
    this.bytes = 0;
    this.lines = 0;
    return batch;
  }

  /** Puts a taken batch back in front of what came since (its write failed). */
  putBack(batch: Batch): void {
    if (this.chunk && this.used > 0) {
      this.full.push(this.chunk.subarray(0, this.used));
      this.chunk = this.chunk.subarray(this.used);
      this.used = 0;
    }
    this.full = batch.buffers.concat(this.full);
    this.bytes += batch.bytes;
    this.lines += batch.lines;
  }

  /** Drops everything held. */
  clear(): void {
    this.take();
  }
}
