// A request's lifetime as its transport knows it: the stream or connection closing ends it. Most requests finish
// without anything listening for that, and an AbortController made and aborted for each of them cost a small GET
// more than its authentication; so the signal is made the first time something reads it (a watch, a proxied
// stream), already aborted when the connection had closed before.
import type { RequestLifetime } from './types.js';

export class ConnectionLifetime implements RequestLifetime {
  private controller: AbortController | undefined;
  private ended = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.ended) this.controller.abort();
    }
    return this.controller.signal;
  }

  /** Whether the connection has closed (read without making the signal). */
  get closed(): boolean {
    return this.ended;
  }

  /** The transport's stream or connection closed. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.controller?.abort();
  }
}
