// The one loop every controller runs: wait for its informers, then N workers take keys from the queue
// and reconcile them. A throw requeues the key with backoff; success forgets its failures.
import { isConflict } from '../client/api-error.js';
import type { Informer } from '../client/informer.js';
import type { WorkQueue } from '../client/workqueue.js';
import type { ReconcileResult } from './types.js';

export interface RunControllerOptions {
  name: string;
  informers: Informer[];
  queue: WorkQueue<string>;
  reconcile(key: string): Promise<ReconcileResult>;
  workers: number;
  signal: AbortSignal;
  log?: (line: string) => void;
}

export async function runController(o: RunControllerOptions): Promise<void> {
  const stop = () => o.queue.shutDown();
  o.signal.addEventListener('abort', stop, { once: true });
  try {
    const synced = await Promise.all(o.informers.map((i) => i.waitForSync(o.signal)));
    if (!synced.every(Boolean)) return;
    const worker = async () => {
      for (;;) {
        // No per-get abort listener: the abort shuts the queue down, which wakes every waiting worker.
        const key = await o.queue.get();
        if (key === undefined) return;
        try {
          const result = await o.reconcile(key);
          o.queue.forget(key);
          if (result && result.requeueAfterMs >= 0) o.queue.addAfter(key, result.requeueAfterMs);
        } catch (e) {
          if (o.signal.aborted) return;
          const tries = o.queue.numRequeues(key);
          // Conflicts are routine (a newer version is on its way through the informer): retry quietly.
          if (!isConflict(e) && (tries < 3 || tries % 10 === 0)) o.log?.(`${o.name}: ${key}: ${e instanceof Error ? e.message : String(e)}`);
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
