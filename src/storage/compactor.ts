// Periodic compaction, as kube-apiserver has etcd compacted: every interval, history is compacted up to the
// revision seen one interval earlier, so about one interval of history (the window watches resume from) stays.
import type { Storage } from './types.js';

export const defaultCompactionIntervalMs = 5 * 60 * 1000;

export interface CompactorStats {
  /** Compactions run, and the revision of the last one (0: none yet). */
  compactions: number;
  lastRevision: number;
  lastDurationMs: number;
}

export interface Compactor {
  stats(): CompactorStats;
  /** Runs one step now (tests, and the interval timer). */
  tick(): Promise<void>;
  stop(): void;
}

export function startCompactor(o: { storage: Storage; intervalMs?: number; log?: (line: string) => void; now?: () => number }): Compactor {
  const now = o.now ?? (() => performance.now());
  const stats: CompactorStats = { compactions: 0, lastRevision: 0, lastDurationMs: 0 };
  let previous: number | undefined;
  let running: Promise<void> | undefined;
  const step = async () => {
    const current = await o.storage.currentRevision();
    const target = previous;
    previous = current;
    if (target === undefined || target <= (await o.storage.compactedRevision())) return;
    const started = now();
    await o.storage.compact(target);
    stats.compactions++;
    stats.lastRevision = target;
    stats.lastDurationMs = now() - started;
  };
  const tick = () => {
    running ??= step()
      .catch((e: unknown) => o.log?.(`storage compaction: ${e instanceof Error ? e.message : String(e)}`))
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  const intervalMs = o.intervalMs ?? defaultCompactionIntervalMs;
  const timer = intervalMs > 0 ? setInterval(() => void tick(), intervalMs) : undefined;
  timer?.unref();
  if (timer) void tick(); // note the starting revision
  return {
    stats: () => ({ ...stats }),
    tick,
    stop: () => clearInterval(timer),
  };
}
