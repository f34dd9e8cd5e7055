// Closed-loop load: N concurrent clients, each sending its next request as soon as the previous one is answered.
// Latency is measured per request with the monotonic clock; only requests started after the warm-up count, and
// throughput is those requests over the time from the first of them being sent to the last of them being answered.
import type { H2Pool, H2Request } from './h2-client.js';
import { summarizeLatencies } from './stats.js';

export type LoadLength = { durationMs: number; warmupMs: number } | { requests: number };

export interface LoadOptions {
  concurrency: number;
  length: LoadLength;
  /** Builds the request number `seq` (0, 1, 2, … across all clients). */
  makeRequest: (seq: number) => H2Request;
  expectStatus: number;
  /** Called with each answer's sequence number and the monotonic times (ns) its request was sent and its answer ended. */
  onAnswer?: (seq: number, beganNs: bigint, endNs: bigint) => void;
}

export interface LoadResult {
  requests: number;
  errors: number;
  /** The first unexpected answer, for the report. */
  firstError?: string;
  elapsedMs: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Mean response body size. */
  meanBytes: number;
}

const nsPerMs = 1_000_000n;

function toMs(ns: bigint): number {
  return Number(ns / 1000n) / 1000;
}

export async function runLoad(pool: H2Pool, opts: LoadOptions): Promise<LoadResult> {
  const start = process.hrtime.bigint();
  const timed = 'durationMs' in opts.length;
  const measureFrom = timed && 'warmupMs' in opts.length ? start + BigInt(opts.length.warmupMs) * nsPerMs : start;
  const stopAt = timed && 'durationMs' in opts.length ? measureFrom + BigInt(opts.length.durationMs) * nsPerMs : undefined;
  const total = 'requests' in opts.length ? opts.length.requests : Number.POSITIVE_INFINITY;

  // Slow requests could outlast the whole window: keep going until each client has had one measured request.
  const minMeasured = opts.concurrency;
  let measuredStarts = 0;
  let seq = 0;
  const latenciesMs: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  let bytes = 0;
  let firstMeasuredStart: bigint | undefined;
  let lastEnd = measureFrom;

  async function client(index: number): Promise<void> {
    for (;;) {
      const began = process.hrtime.bigint();
      if (stopAt !== undefined && began >= stopAt && measuredStarts >= minMeasured) return;
      if (began >= measureFrom) measuredStarts++;
      if (seq >= total) return;
      const mySeq = seq++;
      const req = opts.makeRequest(mySeq);
      let status: number;
      let detail = '';
      let size = 0;
      try {
        const res = await pool.request(req, { session: index });
        status = res.status;
        size = res.bytes;
        if (res.body && status !== opts.expectStatus) detail = res.body.toString('utf8', 0, 300);
      } catch (e) {
        status = 0;
        detail = e instanceof Error ? e.message : String(e);
      }
      const ended = process.hrtime.bigint();
      opts.onAnswer?.(mySeq, began, ended);
      if (began < measureFrom) continue;
      if (firstMeasuredStart === undefined || began < firstMeasuredStart) firstMeasuredStart = began;
      if (ended > lastEnd) lastEnd = ended;
      if (status !== opts.expectStatus) {
        errors++;
        firstError ??= `#${mySeq} ${req.method} ${req.path}: ${status} ${detail}`;
        continue;
      }
      latenciesMs.push(toMs(ended - began));
      bytes += size;
    }
  }

  await Promise.all(Array.from({ length: opts.concurrency }, (_, i) => client(i)));
  // The window opens with the first measured request (later than the warm-up's end when warm-up requests were slow)
  // and closes when the last of them ends: requests started in it are all waited for.
  const windowNs = firstMeasuredStart === undefined ? 0n : lastEnd - firstMeasuredStart;
  const elapsedMs = toMs(windowNs);
  const summary = summarizeLatencies(latenciesMs);
  const result: LoadResult = {
    requests: summary.count,
    errors,
    elapsedMs,
    requestsPerSecond: elapsedMs > 0 ? (summary.count * 1000) / elapsedMs : Number.NaN,
    p50Ms: summary.p50Ms,
    p99Ms: summary.p99Ms,
    meanBytes: summary.count > 0 ? bytes / summary.count : 0,
  };
  if (firstError !== undefined) result.firstError = firstError;
  return result;
}
