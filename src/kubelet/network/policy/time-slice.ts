// Long loops on the event loop in slices: work goes on until a slice's time is used up, then the loop gives
// the event loop a turn (setImmediate, so I/O and timers run) before the next slice. The policy agent's resolve
// and build steps use it, so a large cluster never holds the a-kube process for long.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/** Gives the event loop a turn whenever the work since the last turn took longer than `sliceMs`. */
export class TimeSlice {
  #since = performance.now();
  constructor(readonly sliceMs = 10) {}
  async pause(): Promise<void> {
    if (performance.now() - this.#since < this.sliceMs) return;
    await yieldToEventLoop();
    this.#since = performance.now();
  }
}

