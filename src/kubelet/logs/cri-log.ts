// Reads container logs in the CRI file format the runtime writes ("<RFC3339Nano time> <stdout|stderr> <P|F> <text>"
// per line; P marks a partial line continued by the next record) and renders them as the kubelet does for
// GET /containerLogs: tail, since, timestamps, byte limit, follow (across a rotation, into the new file).
import { open, stat, type FileHandle } from 'node:fs/promises';

export interface LogRecord {
  /** Time as written by the runtime (nanosecond text kept for --timestamps). */
  time: string;
  stream: 'stdout' | 'stderr';
  /** The whole line (partials joined), without the trailing newline; `complete` is false for a last partial line. */
  text: string;
  complete: boolean;
}

export interface LogReadOptions {
  /** Only the last N complete lines (before following). */
  tailLines?: number;
  /** Only lines written at or after this time. */
  since?: Date;
  timestamps?: boolean;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
  follow?: boolean;
  /** While following: whether more may still be written (the container is running). */
  stillWriting?: () => Promise<boolean>;
  signal?: AbortSignal;
  /** Poll interval while following (ms). */
  pollMs?: number;
}

/** One CRI record, or undefined when the line is not in the format. */
export function parseCriLine(line: string): { time: string; stream: 'stdout' | 'stderr'; partial: boolean; text: string } | undefined {
  const a = line.indexOf(' ');
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  if (a <= 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const c = line.indexOf(' ', b + 1);
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const text = c < 0 ? '' : line.slice(c + 1);
  // tags are ':'-separated; the first says whether the line is partial
  const first = tag.split(':')[0];
  if (first !== 'P' && first !== 'F') return undefined;
  return { time: line.slice(0, a), stream, partial: first === 'P', text };
}

/** Kubernetes prints log times as RFC3339 with nanoseconds, trailing zeros of the fraction dropped. */
export function formatLogTime(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return time;
  const frac = (m[2] ?? '').replace(/0+$/, '');
  return `${m[1]}${frac ? `.${frac}` : ''}${m[3]}`;
}

/** Milliseconds since the epoch of a CRI time, for --since comparisons (sub-millisecond digits compared as text). */
function timeAtOrAfter(time: string, since: Date): boolean {
  const t = Date.parse(time);
  return Number.isNaN(t) ? true : t >= since.getTime();
}

export function renderRecord(r: LogRecord, timestamps: boolean): string {
  return `${timestamps ? `${formatLogTime(r.time)} ` : ''}${r.text}${r.complete ? '\n' : ''}`;
}

/** Splits a byte stream of CRI lines into records, joining partial lines. */
class RecordAssembler {
  #rest = '';
  #partial: { time: string; stream: 'stdout' | 'stderr'; text: string } | undefined;

  push(chunk: string): LogRecord[] {
    const out: LogRecord[] = [];
    const text = this.#rest + chunk;
    const lines = text.split('\n');
    this.#rest = lines.pop() ?? '';
    for (const line of lines) {
      const p = parseCriLine(line);
      if (!p) continue;
      if (p.partial) {
        if (this.#partial && this.#partial.stream === p.stream) this.#partial.text += p.text;
        else this.#partial = { time: p.time, stream: p.stream, text: p.text };
        continue;
      }
      const head = this.#partial && this.#partial.stream === p.stream ? this.#partial : undefined;
      this.#partial = undefined;
      out.push({ time: head?.time ?? p.time, stream: p.stream, text: (head?.text ?? '') + p.text, complete: true });
    }
    return out;
  }
}

async function readChunk(fh: FileHandle, position: number, size = 64 * 1024): Promise<Buffer> {
  const buf = Buffer.alloc(size);
  const { bytesRead } = await fh.read(buf, 0, size, position);
  return buf.subarray(0, bytesRead);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Yields the rendered log of one CRI log file, as the kubelet would answer GET /containerLogs. */
export async function* readCriLog(path: string, o: LogReadOptions = {}): AsyncGenerator<string> {
  let fh = await open(path, 'r');
  try {
    const assembler = new RecordAssembler();
    const decoder = new TextDecoder('utf-8');
    let position = 0;
    let left = o.limitBytes !== undefined && o.limitBytes > 0 ? o.limitBytes : Infinity;
    const keep = (r: LogRecord) => !o.since || timeAtOrAfter(r.time, o.since);
    const emit = function* (records: LogRecord[]): Generator<string> {
      for (const r of records) {
        if (left <= 0) return;
        let s = renderRecord(r, o.timestamps === true);
        const bytes = Buffer.byteLength(s);
        if (bytes > left) s = Buffer.from(s).subarray(0, left).toString('utf8');
        left -= bytes;
        yield s;
      }
    };
    // What is in the file now: only the last tailLines records are kept (a ring, so any size of file works).
    const opened = await fh.stat();
    const size = opened.size;
    let inode = opened.ino;
    const tail: LogRecord[] = [];
    const limit = o.tailLines !== undefined && o.tailLines >= 0 ? o.tailLines : Infinity;
    while (position < size) {
      const chunk = await readChunk(fh, position, Math.min(64 * 1024, size - position));
      if (chunk.length === 0) break;
      position += chunk.length;
      for (const r of assembler.push(decoder.decode(chunk, { stream: true }))) {
        if (!keep(r)) continue;
        if (limit === Infinity) {
          yield* emit([r]);
          if (left <= 0) return;
          continue;
        }
        tail.push(r);
        if (tail.length > limit) tail.shift();
      }
    }
    yield* emit(tail);
    if (!o.follow || left <= 0) return;
    const pollMs = o.pollMs ?? 200;
    let idle = 0;
    let rotationSeen = false;
    while (!o.signal?.aborted && left > 0) {
      const now = (await fh.stat()).size;
      if (now > position) {
        idle = 0;
        const chunk = await readChunk(fh, position, Math.min(256 * 1024, now - position));
        position += chunk.length;
        yield* emit(assembler.push(decoder.decode(chunk, { stream: true })).filter(keep));
        continue;
      }
      // Rotated: the open file was renamed aside and the runtime writes a new one at the path. The old file is read
      // once more a poll later (the runtime may have written to it while reopening), then the new one from its start.
      const atPath = await stat(path).catch(() => undefined);
      if (atPath && atPath.ino !== inode) {
        if (rotationSeen) {
          const next = await open(path, 'r').catch(() => undefined);
          if (next) {
            await fh.close();
            fh = next;
            inode = (await fh.stat()).ino;
            position = 0;
            rotationSeen = false;
            idle = 0;
            continue;
          }
        }
        rotationSeen = true;
        await sleep(pollMs, o.signal);
        continue;
      }
      // Nothing new: stop once the writer is gone (checked about once a second, not on every poll).
      idle += pollMs;
      if (idle >= 1000) {
        idle = 0;
        if (o.stillWriting && !(await o.stillWriting())) {
          const last = await readChunk(fh, position);
          if (last.length === 0) return;
          position += last.length;
          yield* emit(assembler.push(decoder.decode(last, { stream: true })).filter(keep));
          continue;
        }
      }
      await sleep(pollMs, o.signal);
    }
  } finally {
    await fh.close();
  }
}
