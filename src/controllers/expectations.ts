// Controller expectations (k8s controller_utils.go): after asking for N creations or deletions, a controller
// waits until its informer has seen them (or five minutes pass) before counting pods again, so a stale
// cache never makes it create a second batch.
import type { Clock } from '../client/workqueue.js';
import { realClock } from '../client/workqueue.js';

const expectationsTimeoutMs = 5 * 60 * 1000;

export class Expectations {
  readonly #byKey = new Map<string, { add: number; del: number; at: number }>();
  readonly #clock: Clock;

  constructor(clock: Clock = realClock) {
    this.#clock = clock;
  }

  satisfied(key: string): boolean {
    const e = this.#byKey.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.#clock.now() - e.at > expectationsTimeoutMs;
  }

  expect(key: string, add: number, del: number): void {
    this.#byKey.set(key, { add, del, at: this.#clock.now() });
  }

  creationObserved(key: string): void {
    const e = this.#byKey.get(key);
    if (e) e.add--;
  }

  deletionObserved(key: string): void {
    const e = this.#byKey.get(key);
    if (e) e.del--;
  }

  /** A create or delete we asked for failed: do not wait for it. */
  lower(key: string, add: number, del: number): void {
    const e = this.#byKey.get(key);
    if (!e) return;
    e.add -= add;
    e.del -= del;
  }

  forget(key: string): void {
    this.#byKey.delete(key);
  }
}
