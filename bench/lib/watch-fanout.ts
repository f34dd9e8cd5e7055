// Watch fan-out: W watchers each on its own connection, creates sent by C concurrent clients; for each create, the time
// from its acknowledgement until the last watcher received its event, and the events delivered per second.
import type { H2Pool, H2Request, OpenStream } from './h2-client.js';
import { runLoad } from './load.js';
import { summarizeLatencies, type LatencySummary } from './stats.js';

export interface FanoutTarget {
  /** One pool per watcher (each watcher is a client of its own). */
  watcherPools: H2Pool[];
  /** The pool the creates go through. */
  writerPool: H2Pool;
  watchRequest: H2Request;
  /** The create of a uniquely named object; its answer must be 201. */
  createRequest: (name: string) => H2Request;
}

export interface FanoutResult {
  creates: number;
  createErrors: number;
  firstError?: string;
  watchers: number;
  /** Creates whose event some watcher never received before the deadline. */
  missing: number;
  /** From the create's answer until the last watcher had the event (0 when all had it before the answer). */
  afterAck: LatencySummary;
  /** From sending the create until the last watcher had the event. */
  endToEnd: LatencySummary;
  eventsPerSecond: number;
}

export interface Fanout {
  measure(opts: { concurrency: number; creates: number; prefix: string; deadlineMs: number }): Promise<FanoutResult>;
  close(): void;
}

function nsToMs(ns: bigint): number {
  return Number(ns / 1000n) / 1000;
}

interface Delivery {
  count: number;
  lastNs: bigint;
}

/** Opens the watchers; `namePattern`'s first group must pick the created object's name out of an event line. */
export async function openFanout(target: FanoutTarget, namePattern: RegExp): Promise<Fanout> {
  const deliveries = new Map<string, Delivery>();
  let delivered = 0;
  let lastDeliveryNs = 0n;
  let onDelivery: (() => void) | undefined;

  function received(line: string, atNs: bigint): void {
    const name = namePattern.exec(line)?.[1];
    if (name === undefined) return;
    const d = deliveries.get(name);
    if (d) {
      d.count++;
      d.lastNs = atNs;
    } else deliveries.set(name, { count: 1, lastNs: atNs });
    delivered++;
    lastDeliveryNs = atNs;
    onDelivery?.();
  }

  const streams: OpenStream[] = [];
  for (const pool of target.watcherPools) {
    let partial = '';
    const s = await pool.stream(target.watchRequest, (chunk) => {
      const at = process.hrtime.bigint();
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) received(line, at);
    });
    if (s.status !== 200) {
      for (const open of streams) open.cancel();
      s.cancel();
      throw new Error(`watch ${target.watchRequest.path} answered ${s.status}`);
    }
    streams.push(s);
  }
  const watchers = streams.length;

  return {
    async measure({ concurrency, creates, prefix, deadlineMs }) {
      const names: string[] = Array.from({ length: creates }, (_, i) => `${prefix}-${i}`);
      const acks = new Map<string, { sentNs: bigint; ackNs: bigint }>();
      const deliveredBefore = delivered;
      const startNs = process.hrtime.bigint();
      const load = await runLoad(target.writerPool, {
        concurrency,
        length: { requests: creates },
        makeRequest: (seq) => target.createRequest(names[seq] ?? `${prefix}-${seq}`),
        expectStatus: 201,
        onAnswer: (seq, sentNs, ackNs) => {
          const name = names[seq];
          if (name !== undefined) acks.set(name, { sentNs, ackNs });
        },
      });
      const complete = () => [...acks.keys()].every((n) => (deliveries.get(n)?.count ?? 0) >= watchers);
      if (!complete()) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, deadlineMs);
          function done(): void {
            clearTimeout(timer);
            onDelivery = undefined;
            resolve();
          }
          onDelivery = () => {
            if (delivered - deliveredBefore >= acks.size * watchers && complete()) done();
          };
        });
      }
      const afterAck: number[] = [];
      const endToEnd: number[] = [];
      let missing = 0;
      for (const [name, { sentNs, ackNs }] of acks) {
        const d = deliveries.get(name);
        deliveries.delete(name);
        if (!d || d.count < watchers) {
          missing++;
          continue;
        }
        // A watcher may see the event before the creator sees its answer; that counts as no delay.
        afterAck.push(d.lastNs > ackNs ? nsToMs(d.lastNs - ackNs) : 0);
        endToEnd.push(nsToMs(d.lastNs - sentNs));
      }
      const spanMs = nsToMs(lastDeliveryNs - startNs);
      const result: FanoutResult = {
        creates: load.requests,
        createErrors: load.errors,
        watchers,
        missing,
        afterAck: summarizeLatencies(afterAck),
        endToEnd: summarizeLatencies(endToEnd),
        eventsPerSecond: spanMs > 0 ? ((delivered - deliveredBefore) * 1000) / spanMs : Number.NaN,
      };
      if (load.firstError !== undefined) result.firstError = load.firstError;
      return result;
    },
    close() {
      for (const s of streams) s.cancel();
    },
  };
}
