// The one loop every controller runs: wait for its informers, then N workers take keys from the queue
// and reconcile them. A throw requeues the key with backoff; success forgets its failures.
// Two guards keep one bad object from wedging a controller:
// - an object of the primary informer that its kind's types cannot hold (stored before writes were type-checked)
//   is not reconciled: it is reported once per resourceVersion (Warning event + log) and skipped;
// - a reconcile still running after `overrunMs` is reported and its key requeued with backoff, so the key's
//   other work goes on (the overrunning call is left to finish on its own).
// A reconcile that throws is requeued with backoff and reported: a log line on its first tries and every tenth,
// and a Warning event (ReconcileError) at most once per key per `errorEventIntervalMs`, so a key failing in a hot
// loop cannot flood the events.
import type { KubeObject } from '../../api/object.js';
import { findResource } from '../../api/catalog.js';
import { decodeError } from '../../api/schema/index.js';
import { isConflict } from '../api-error.js';
import type { Informer } from '../informer.js';
import { realClock, type Clock, type WorkQueue } from '../workqueue.js';
import type { GroupVersionResource } from './resources.js';
import type { EventRecorder, ReconcileResult } from './types.js';

/** How long one reconcile may run before it counts as overrun. */
export const defaultOverrunMs = 120_000;
/** At most one ReconcileError event per key in this time. */
export const errorEventIntervalMs = 60_000;
/** Keys whose last ReconcileError time is remembered; beyond it the oldest are forgotten. */
const maxErrorKeys = 4096;

export interface RunControllerOptions {
  name: string;
  informers: Informer[];
  queue: WorkQueue<string>;
  reconcile(key: string): Promise<ReconcileResult>;
  workers: number;
  signal: AbortSignal;
  log?: (line: string) => void;
  /** The informer whose objects the keys name, and their resource: enables the type guard. */
  primary?: { informer: Informer; resource: GroupVersionResource };
  /** Where skipped and overrunning objects are reported. */
  recorder?: EventRecorder;
  overrunMs?: number;
  clock?: Clock;
}

const overrun = Symbol('overrun');
const aborted = Symbol('aborted');

export async function runController(o: RunControllerOptions): Promise<void> {
  const stop = () => o.queue.shutDown();
  o.signal.addEventListener('abort', stop, { once: true });
  const clock = o.clock ?? realClock;
  const log = o.log ?? (() => {});
  const invalid = invalidObjectCheck(o);
  const mayReportError = oncePerInterval(clock, errorEventIntervalMs, maxErrorKeys);
  // The reconcile against its deadline and the stop (a stop does not wait for a reconcile that would not end).
  // Each call listens on the signal only while it runs: nothing accumulates on a long-lived promise.
  const withDeadline = (key: string) =>
    new Promise<ReconcileResult | typeof overrun | typeof aborted>((resolve, reject) => {
      if (o.signal.aborted) return resolve(aborted);
      let cancel = () => {};
      const onAbort = () => settle(() => resolve(aborted));
      const settle = (then: () => void) => {
        cancel();
        o.signal.removeEventListener('abort', onAbort);
        then();
      };
      o.signal.addEventListener('abort', onAbort, { once: true });
      cancel = clock.setTimer(() => settle(() => resolve(overrun)), o.overrunMs ?? defaultOverrunMs);
      o.reconcile(key).then(
        (r) => settle(() => resolve(r)),
        (e: unknown) => settle(() => reject(e)),
      );
    });
  try {
    const synced = await Promise.all(o.informers.map((i) => i.waitForSync(o.signal)));
    if (!synced.every(Boolean)) return;
    const worker = async () => {
      for (;;) {
        // No per-get abort listener: the abort shuts the queue down, which wakes every waiting worker.
        const key = await o.queue.get();
        if (key === undefined) return;
        try {
          if (invalid(key)) {
            o.queue.forget(key);
            continue;
          }
          const result = await withDeadline(key);
          if (result === aborted) return;
          if (result === overrun) {
            log(`${o.name}: ${key}: reconcile still running after ${Math.round((o.overrunMs ?? defaultOverrunMs) / 1000)}s; requeued`);
            const obj = o.primary?.informer.store.get(key);
            if (obj) o.recorder?.event(obj, 'Warning', 'ReconcileOverrun', `${o.name} controller: reconcile did not finish within ${Math.round((o.overrunMs ?? defaultOverrunMs) / 1000)}s; retrying with backoff`);
            o.queue.addRateLimited(key);
            continue;
          }
          o.queue.forget(key);
          if (result && result.requeueAfterMs >= 0) o.queue.addAfter(key, result.requeueAfterMs);
        } catch (e) {
          if (o.signal.aborted) return;
          const tries = o.queue.numRequeues(key);
          // Conflicts are routine (a newer version is on its way through the informer): retry quietly.
          if (!isConflict(e)) {
            const message = e instanceof Error ? e.message : String(e);
            if (tries < 3 || tries % 10 === 0) log(`${o.name}: ${key}: ${message}`);
            const obj = o.primary?.informer.store.get(key);
            if (obj && o.recorder && mayReportError(key)) o.recorder.event(obj, 'Warning', 'ReconcileError', `${o.name} controller: ${message}; retrying with backoff`);
          }
          o.queue.addRateLimited(key);
        } finally {
          o.queue.done(key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, o.workers) }, worker));
  } finally {
    o.signal.removeEventListener('abort', stop);
  }
}

/** Returns a predicate that is true for a key at most once per intervalMs, remembering at most maxKeys keys. */
function oncePerInterval(clock: Clock, intervalMs: number, maxKeys: number): (key: string) => boolean {
  const last = new Map<string, number>(); // in the order of their last report, oldest first
  return (key) => {
    const now = clock.now();
    const at = last.get(key);
    if (at !== undefined && now - at < intervalMs) return false;
    last.delete(key);
    last.set(key, now);
    for (const [oldest] of last) {
      if (last.size <= maxKeys) break;
      last.delete(oldest);
    }
    return true;
  };
}

/** Returns a predicate: is the primary object behind this key one its kind's types cannot hold? Reports each once. */
function invalidObjectCheck(o: RunControllerOptions): (key: string) => boolean {
  const primary = o.primary;
  const info = primary ? findResource(primary.resource.group, primary.resource.version, primary.resource.resource) : undefined;
  if (!primary || !info) return () => false;
  const reported = new Map<string, string>();
  return (key) => {
    const obj: KubeObject | undefined = primary.informer.store.get(key);
    const message = obj ? decodeError(info, obj) : undefined;
    if (!obj || message === undefined) {
      reported.delete(key);
      return false;
    }
    const rv = obj.metadata.resourceVersion ?? '';
    if (reported.get(key) !== rv) {
      reported.set(key, rv);
      o.log?.(`${o.name}: ${key}: skipped, the stored object is not valid: ${message}`);
      o.recorder?.event(obj, 'Warning', 'InvalidObject', `${o.name} controller skips this object until it is fixed: ${message}`);
    }
    return true;
  };
}
