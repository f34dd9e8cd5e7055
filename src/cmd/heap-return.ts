// Giving memory back once the process goes quiet. V8 collects its old generation when allocation brings it to a
// limit, so after a burst (64 clients reading a LIST of 10,000 pods leave about 100 MiB of dead chunk strings
// behind) the heap stays grown, full of garbage, for as long as the process is quiet: nothing allocates, so nothing
// collects, and the resident memory stays up. Go's runtime, which kube-apiserver runs on, forces a collection when
// none has run for two minutes. This does the like, only where it pays: every period, when the V8 heap has grown by
// more than `growthBytes` over its smallest size since this last collected (or since the start) and the event loop
// was mostly idle during that period, one full collection runs, and V8 returns the pages it frees. The heap left
// after it is the new mark, so a heap grown by live objects is collected once, not every period. A busy process is left to V8's own
// collections.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface HeapReturnDeps {
  /** V8's heap (total_heap_size, process.memoryUsage()'s heapTotal), in bytes. */
  heapTotal(): number;
  /** One full, compacting collection. */
  collect(): void;
  /** The event loop's utilisation (0–1) since the previous call. */
  busySinceLast(): number;
}

export interface HeapReturnOptions {
  /** Growth of the heap since the last collection this ran past which a quiet period collects. */
  growthBytes: number;
  /** Utilisation of the event loop below which a period counts as quiet. */
  quietBelow: number;
}

export const defaultHeapReturnOptions: HeapReturnOptions = { growthBytes: 32 << 20, quietBelow: 0.2 };

/** One period's decision, made by check(): collects when the heap grew and the loop was quiet; says whether it did. */
export function heapReturn(deps: HeapReturnDeps, opts: HeapReturnOptions = defaultHeapReturnOptions): { check(): boolean } {
  let mark = deps.heapTotal();
  return {
    check() {
      const busy = deps.busySinceLast();
      const heap = deps.heapTotal();
      // V8's own collections (or anyone's) may have shrunk the heap since: growth counts from the lowest size seen.
      mark = Math.min(mark, heap);
      if (heap - mark <= opts.growthBytes || busy >= opts.quietBelow) return false;
      deps.collect();
      mark = deps.heapTotal();
      return true;
    },
  };
}

/** The running process's heap, event loop and collector; undefined where V8 will not expose its collector. */
export function processHeapDeps(): HeapReturnDeps | undefined {
  let gc: unknown;
  try {
    // The flag exposes `gc` in contexts made after it is set; the collection it runs is the isolate's, so one
    // made for this alone serves the whole process.
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc');
  } catch {
    return undefined;
  }
  if (typeof gc !== 'function') return undefined;
  const collect = gc as () => void;
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  return {
    heapTotal: () => getHeapStatistics().total_heap_size,
    collect: () => collect(),
    busySinceLast() {
      const now = performance.eventLoopUtilization();
      const delta = performance.eventLoopUtilization(now, last);
      last = now;
      return delta.utilization;
    },
  };
}

/** Checks every periodMs (a timer that does not keep the process alive); returns a function that stops it. */
export function startHeapReturn(periodMs = 10_000, opts: HeapReturnOptions = defaultHeapReturnOptions): () => void {
  const deps = processHeapDeps();
  if (!deps) return () => {};
  const h = heapReturn(deps, opts);
  const timer = setInterval(() => h.check(), periodMs);
  timer.unref();
  return () => clearInterval(timer);
}
