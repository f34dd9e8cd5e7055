// Process-level guards of the executables:
// - a hard exit timer on shutdown, so a signal always ends the process within its grace period;
// - a watchdog thread that ends the process when the main event loop has not turned for `stallMs` (a loop that
//   never yields also never runs signal handlers or timers, so only another thread can end it).
// The watchdog runs as an inline worker (no file of its own, so bundling needs nothing) and reads a heartbeat the
// main thread writes into shared memory.
import { Worker } from 'node:worker_threads';

export const shutdownGraceMs = 30_000;
export const defaultStallMs = 60_000;

/** After a shutdown signal: exit with status 1 if the orderly close has not finished within `graceMs`. */
export function armShutdownTimer(graceMs = shutdownGraceMs, write: (line: string) => void = (l) => process.stderr.write(l)): void {
  const t = setTimeout(() => {
    write(`a-kube: shutdown did not finish within ${Math.round(graceMs / 1000)}s; exiting\n`);
    process.exit(1);
  }, graceMs);
  t.unref();
}

const watchdogSource = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const beat = new BigInt64Array(workerData.heartbeat);
const every = Math.min(1000, workerData.stallMs / 4);
let last = Date.now();
setInterval(() => {
  const now = Date.now();
  const ownGap = now - last;
  last = now;
  // this thread was held up too (the machine slept): the main thread gets a fresh start
  if (ownGap > every * 4) return;
  const stalled = now - Number(Atomics.load(beat, 0));
  if (stalled > workerData.stallMs) {
    writeSync(2, 'a-kube: the event loop has been blocked for ' + Math.round(stalled / 1000) + 's; exiting\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, every);
`;

export interface Watchdog {
  stop(): void;
}

/** Starts the watchdog thread; the main thread beats every `stallMs / 10`. */
export function startWatchdog(stallMs = defaultStallMs): Watchdog {
  const heartbeat = new SharedArrayBuffer(8);
  const view = new BigInt64Array(heartbeat);
  const beat = () => Atomics.store(view, 0, BigInt(Date.now()));
  beat();
  const timer = setInterval(beat, Math.max(10, Math.floor(stallMs / 10)));
  timer.unref();
  // No execArgv: the watchdog is plain JavaScript and must not wait for loaders (tsx) to start.
  const worker = new Worker(watchdogSource, { eval: true, execArgv: [], workerData: { heartbeat, stallMs } });
  worker.unref();
  // A watchdog that cannot run is reported, never fatal.
  worker.on('error', (e) => process.stderr.write(`a-kube: watchdog: ${e instanceof Error ? e.message : String(e)}\n`));
  return {
    stop() {
      clearInterval(timer);
      void worker.terminate();
    },
  };
}
