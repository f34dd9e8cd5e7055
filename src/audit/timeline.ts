// The audit timeline: the final event of each request (ResponseComplete, Panic) reduced to what a person reviewing
// access needs — who, what, the answer and RBAC's decision and reason — and never an object's content.
import { randomBytes } from 'node:crypto';
import { isRecord } from '../api/object.js';
import type { AuditBackend, PendingEvent } from './types.js';
import type { TimelineEntry } from './timeline-entry.js';

export type { TimelineEntry } from './timeline-entry.js';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The timeline entry of an audit event, or undefined for stages other than the final one. */
export function timelineEntry(e: unknown, seq: number): TimelineEntry | undefined {
  if (!isRecord(e)) return undefined;
  if (e.stage !== 'ResponseComplete' && e.stage !== 'Panic') return undefined;
  const ref = isRecord(e.objectRef) ? e.objectRef : {};
  const user = isRecord(e.user) ? e.user : {};
  const imp = isRecord(e.impersonatedUser) ? e.impersonatedUser : undefined;
  const status = isRecord(e.responseStatus) ? e.responseStatus : {};
  const ann = isRecord(e.annotations) ? e.annotations : {};
  const resource = str(ref.resource) ? `${str(ref.resource)}${str(ref.subresource) ? `/${str(ref.subresource)}` : ''}${str(ref.apiGroup) ? `.${str(ref.apiGroup)}` : ''}` : '';
  const uri = str(e.requestURI);
  const q = uri.indexOf('?');
  return {
    seq,
    auditID: str(e.auditID),
    time: str(e.stageTimestamp) || str(e.requestReceivedTimestamp),
    user: str(user.username),
    ...(imp && str(imp.username) ? { impersonatedUser: str(imp.username) } : {}),
    verb: str(e.verb),
    resource,
    namespace: str(ref.namespace),
    name: str(ref.name),
    path: q < 0 ? uri : uri.slice(0, q),
    code: typeof status.code === 'number' ? status.code : e.stage === 'Panic' ? 500 : 0,
    decision: str(ann['authorization.k8s.io/decision']),
    reason: str(ann['authorization.k8s.io/reason']),
    userAgent: str(e.userAgent),
    sourceIP: Array.isArray(e.sourceIPs) ? str(e.sourceIPs[0]) : '',
  };
}

export interface TimelineFilter {
  user?: string;
  verb?: string;
  resource?: string;
  decision?: string;
}

/** user and resource match as substrings, verb and decision exactly; empty fields match everything. */
export function matchesFilter(t: TimelineEntry, f: TimelineFilter): boolean {
  if (f.user && !t.user.includes(f.user) && !(t.impersonatedUser ?? '').includes(f.user)) return false;
  if (f.verb && t.verb !== f.verb) return false;
  if (f.resource && !t.resource.includes(f.resource) && !t.path.includes(f.resource)) return false;
  if (f.decision && t.decision !== f.decision) return false;
  return true;
}

export interface TimelineSource {
  /** Different for every source instance: a cursor from another one (a restarted server) means nothing here. */
  readonly epoch: string;
  /** Entries with seq greater than `after`, oldest first, at most `limit` (the newest ones when more). */
  read(after: number, limit: number): Promise<TimelineEntry[]>;
  /**
   * Entries with seq greater than `after`, oldest first, at most `limit` (the oldest ones when more), and how many
   * entries past `after` are no longer kept (pushed out before the reader came back).
   */
  readAfter(after: number, limit: number): Promise<TimelineRead>;
  /** `listener` is called (with nothing queued) whenever new entries may have arrived; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  /** Why new entries cannot be read now (the source is a file that fails), or undefined; listeners hear of changes. */
  problem?(): string | undefined;
}

export interface TimelineRead {
  entries: TimelineEntry[];
  /** Entries between the cursor and the first one returned that are gone. */
  missed: number;
  /** The newest seq kept (0 when none yet). */
  latest: number;
}

/**
 * An audit backend that keeps the last `capacity` requests' timeline entries in memory: a ring, so adding an entry
 * costs the same however full it is (it runs once per audited request).
 */
export class RecentTimeline implements AuditBackend, TimelineSource {
  readonly name = 'timeline';
  readonly epoch = randomBytes(6).toString('hex');
  private readonly ring: (TimelineEntry | undefined)[];
  /** Slot of the oldest entry kept, and how many are kept. */
  private start = 0;
  private count = 0;
  private readonly listeners = new Set<() => void>();
  private seq = 0;

  constructor(capacity = 5000) {
    this.ring = new Array<TimelineEntry | undefined>(Math.max(0, capacity));
  }

  process(events: readonly PendingEvent[]): void {
    const before = this.seq;
    for (const e of events) {
      const t = timelineEntry(e.event(), this.seq + 1);
      if (t) this.add(t);
    }
    if (this.seq !== before) this.notify();
  }

  /** Adds entries made elsewhere (their seqs past the last one, ascending) and tells the listeners once. */
  pushAll(ts: readonly TimelineEntry[]): void {
    for (const t of ts) this.add(t);
    if (ts.length > 0) this.notify();
  }

  private add(t: TimelineEntry): void {
    this.seq = t.seq;
    const size = this.ring.length;
    if (size === 0) return;
    if (this.count < size) {
      this.ring[(this.start + this.count) % size] = t;
      this.count++;
    } else {
      this.ring[this.start] = t;
      this.start = (this.start + 1) % size;
    }
  }

  /** The i-th entry kept, oldest first. */
  private at(i: number): TimelineEntry {
    return this.ring[(this.start + i) % this.ring.length]!;
  }

  /** Entries i (inclusive) to j (exclusive), oldest first. */
  private slice(i: number, j: number): TimelineEntry[] {
    const out: TimelineEntry[] = [];
    for (let k = i; k < j; k++) out.push(this.at(k));
    return out;
  }

  /** Tells the listeners to look again. */
  notify(): void {
    for (const l of this.listeners) l();
  }

  subscribe(listener: () => void): () => void {
    // a fresh function per subscription, so the same listener twice needs two unsubscribes
    const own = () => listener();
    this.listeners.add(own);
    return () => void this.listeners.delete(own);
  }

  /** Index of the first entry past the cursor (entries are in seq order). */
  private firstAfter(after: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.at(mid).seq <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  async read(after: number, limit: number): Promise<TimelineEntry[]> {
    const i = this.firstAfter(after);
    return this.slice(Math.max(i, this.count - Math.max(0, limit)), this.count);
  }

  async readAfter(after: number, limit: number): Promise<TimelineRead> {
    const i = this.firstAfter(after);
    const entries = this.slice(i, Math.min(this.count, i + Math.max(0, limit)));
    const first = i < this.count ? this.at(i) : undefined;
    return { entries, missed: first && after < this.seq ? Math.max(0, first.seq - after - 1) : 0, latest: this.seq };
  }

  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
