// A keyed queue worked one key at a time: enqueueing a key already waiting is a no-op, a failed
// reconcile is logged and the key comes back after retryMs. For the API server's own small controllers
// (APIService availability, CRD publishing), whose reconciles must never run concurrently.

export function serialQueue(
  reconcile: (key: string) => Promise<void>,
  signal: AbortSignal,
  log: (message: string) => void,
  retryMs = 1000,
): (key: string) => void {
  const waiting = new Set<string>();
  let running = false;

  function enqueue(key: string): void {
    if (signal.aborted) return;
    waiting.add(key);
    if (!running) void drain();
  }

  async function drain(): Promise<void> {
    running = true;
    try {
      while (waiting.size > 0 && !signal.aborted) {
        const [key] = waiting;
        if (key === undefined) break;
        waiting.delete(key);
        try {
          await reconcile(key);
        } catch (e) {
          if (signal.aborted) return;
          log(`${key}: ${e instanceof Error ? e.message : String(e)}`);
          setTimeout(() => enqueue(key), retryMs).unref();
        }
      }
    } finally {
      running = false;
    }
  }

  return enqueue;
}
