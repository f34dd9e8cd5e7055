// The webhook backend: events are sent in batches (an audit.k8s.io/v1 EventList per POST) to the server a
// kubeconfig file names, as kube-apiserver's --audit-webhook-config-file does. Sending never blocks requests:
// a full buffer (in events, or in the request and response bodies they keep) drops events (counted, and said
// once), a failed batch stays queued and is retried with a growing pause, and a POST the webhook does not answer in
// time counts as failed (so a hung webhook neither holds a batch nor shutdown up for ever).
import type { RestClient } from '../client/rest.js';
import type { AuditBackend, PendingEvent } from './types.js';

export interface WebhookBackendOptions {
  client: RestClient;
  /** Events per POST (default 400). */
  maxBatchSize?: number;
  /** Longest wait before a partial batch is sent (default 30 s). */
  maxBatchWaitMs?: number;
  /** Events held at most (default 10,000). */
  bufferSize?: number;
  /** Request and response bodies the held events may keep, in bytes, at most (default 64 MiB). */
  bufferBytes?: number;
  /** First pause after a failed POST; doubles up to a minute, or stays, when longer (default 10 s). */
  initialBackoffMs?: number;
  /** Longest wait for the webhook's answer to one POST (default 30 s). */
  requestTimeoutMs?: number;
  log?: (line: string) => void;
}

export class WebhookBackend implements AuditBackend {
  readonly name = 'webhook';
  private queue: PendingEvent[] = [];
  /** The bodies the queued events keep (PendingEvent.heldBytes). */
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private dropped = 0;
  private backoffMs = 0;
  private closed = false;
  private readonly o: Required<WebhookBackendOptions>;

  constructor(opts: WebhookBackendOptions) {
    this.o = { maxBatchSize: 400, maxBatchWaitMs: 30_000, bufferSize: 10_000, bufferBytes: 64 * 1024 * 1024, initialBackoffMs: 10_000, requestTimeoutMs: 30_000, log: (l) => process.stderr.write(`audit: ${l}\n`), ...opts };
  }

  process(events: readonly PendingEvent[]): void {
    if (this.closed) return;
    for (const e of events) {
      const bytes = e.heldBytes ?? 0;
      if (this.queue.length >= this.o.bufferSize || (this.queue.length > 0 && this.queuedBytes + bytes > this.o.bufferBytes)) {
        if (this.dropped++ === 0) this.o.log(`the audit webhook buffer is full (${this.o.bufferSize} events, or ${this.o.bufferBytes >= 1048576 ? `${Math.round(this.o.bufferBytes / 1048576)} MiB` : `${this.o.bufferBytes} bytes`} of request and response bodies): dropping events until the webhook catches up`);
        continue;
      }
      this.queue.push(e);
      this.queuedBytes += bytes;
    }
    this.schedule();
  }

  /**
   * Sends a full batch now; otherwise waits for more events, or out the pause after a failure (the failed batch is
   * sent again when the pause is over, however long the batch wait).
   */
  private schedule(): void {
    if (this.queue.length === 0 || this.sending) return;
    if (this.backoffMs === 0 && (this.queue.length >= this.o.maxBatchSize || this.closed)) this.kick();
    else if (!this.closed) this.timer ??= setTimeout(() => this.kick(), this.backoffMs > 0 ? this.backoffMs : this.o.maxBatchWaitMs).unref();
  }

  private kick(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.sending ??= this.send().finally(() => {
      this.sending = undefined;
      this.schedule();
    });
  }

  private async send(): Promise<void> {
    const batch = this.queue.slice(0, this.o.maxBatchSize);
    if (batch.length === 0) return;
    try {
      const r = await this.o.client.request({
        method: 'POST',
        path: '',
        body: { kind: 'EventList', apiVersion: 'audit.k8s.io/v1', metadata: {}, items: batch.map((e) => e.event()) },
        contentType: 'application/json',
        signal: AbortSignal.timeout(this.o.requestTimeoutMs),
      });
      if (r.status < 200 || r.status > 299) throw new Error(`the webhook answered ${r.status}`);
      for (const e of this.queue.splice(0, batch.length)) this.queuedBytes -= e.heldBytes ?? 0;
      if (this.backoffMs > 0 || this.dropped > 0) this.o.log(`the audit webhook accepts events again${this.dropped > 0 ? ` (${this.dropped} were dropped)` : ''}`);
      this.backoffMs = 0;
      this.dropped = 0;
    } catch (e) {
      this.backoffMs = this.backoffMs === 0 ? this.o.initialBackoffMs : Math.min(this.backoffMs * 2, Math.max(60_000, this.o.initialBackoffMs));
      this.o.log(`sending ${batch.length} audit events failed: ${e instanceof Error ? e.message : String(e)}; retrying in ${Math.round(this.backoffMs / 1000)} s`);
    }
  }

  /** Sends what is queued now, a batch at a time, until a batch fails (the retry then keeps its pause). */
  async flush(): Promise<void> {
    for (;;) {
      if (!this.sending) {
        if (this.queue.length === 0) return;
        this.kick();
      }
      const queued = this.queue.length;
      while (this.sending) await this.sending;
      if (this.backoffMs > 0 || this.queue.length >= queued) return;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    // One last attempt for what is queued; a failing webhook does not hold shutdown up.
    await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.o.client.close();
  }
}
