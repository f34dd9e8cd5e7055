// The audit timeline pushed to the browser as Server-Sent Events (text/event-stream). A connection holds only a
// cursor into the timeline's own bounded buffer, never a queue: it reads the next batch when the transport asks
// for more (a slow browser stops being asked), and what the buffer dropped meanwhile is reported as a gap.
//
// Events: `entry` (data: a TimelineEntry, id: "<epoch>:<seq>"), `gap` (data: {"missed": N}), `problem` (data:
// {"message": …}: new entries cannot be read now, the source says why; "" when that is over), `end` (data:
// {"message": …}, the stream stops: the session ended or reading the timeline is no longer allowed). A bare `id:`
// line moves the browser's Last-Event-ID past entries the filter left out; `: …` comments keep proxies from
// closing a quiet stream.
import { matchesFilter, type TimelineEntry, type TimelineFilter, type TimelineSource } from '../audit/index.js';

export interface AuditStreamOptions {
  source: TimelineSource;
  filter: TimelineFilter;
  /** The browser's Last-Event-ID (or the lastEventId query parameter); absent or unusable: start with the backlog. */
  lastEventId: string | undefined;
  /** Asked before every batch and heartbeat: a message ends the stream with it. */
  check: () => Promise<string | undefined>;
  signal: AbortSignal;
  /** Entries per event chunk at most (default 100). */
  batch?: number;
  /** Matching entries sent first on a fresh connection (default 500). */
  backlog?: number;
  /** Quiet time before a heartbeat comment (default 15 s). */
  heartbeatMs?: number;
}

/** The reconnection delay the browser is told to use. */
export const retryMs = 2000;

/** The seq after which to resume, or undefined when the id is not one of this source's. */
export function resumePoint(lastEventId: string | undefined, epoch: string): number | undefined {
  if (lastEventId === undefined) return undefined;
  const m = /^([0-9a-f]{1,32}):(\d{1,15})$/.exec(lastEventId.trim());
  if (!m || m[1] !== epoch) return undefined;
  return Number(m[2]);
}

function eventText(type: string, data: unknown, id?: string): string {
  // JSON.stringify escapes line breaks inside strings, so the data is always one line
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

function entriesText(entries: readonly TimelineEntry[], epoch: string): string {
  return entries.map((t) => eventText('entry', t, `${epoch}:${t.seq}`)).join('');
}

export async function* auditEventStream(o: AuditStreamOptions): AsyncGenerator<string, void, undefined> {
  const batch = Math.max(1, o.batch ?? 100);
  const heartbeatMs = o.heartbeatMs ?? 15_000;
  const { source, filter, signal } = o;
  const epoch = source.epoch;

  // One pending wake-up at most: a flag and the waiter's resolve, whatever the number of new entries.
  let dirty = true;
  let wake: (() => void) | undefined;
  const poke = () => {
    dirty = true;
    wake?.();
  };
  const unsubscribe = source.subscribe(poke);
  signal.addEventListener('abort', poke, { once: true });
  try {
    yield `retry: ${retryMs}\n: a-kube audit timeline\n\n`;
    let cursor = resumePoint(o.lastEventId, epoch);
    const first = await source.readAfter(0, 0);
    if (cursor === undefined || cursor > first.latest) {
      // a fresh start: the newest matching entries the buffer keeps
      const kept = await source.read(0, Number.MAX_SAFE_INTEGER);
      const matching = kept.filter((t) => matchesFilter(t, filter));
      const backlog = matching.slice(Math.max(0, matching.length - (o.backlog ?? 500)));
      for (let i = 0; i < backlog.length; i += batch) yield entriesText(backlog.slice(i, i + batch), epoch);
      cursor = kept.at(-1)?.seq ?? first.latest;
      if (backlog.at(-1)?.seq !== cursor) yield `id: ${epoch}:${cursor}\n\n`;
    }
    let lastSent = cursor;
    let problem: string | undefined;
    const problemChanged = (): string | undefined => {
      const now = source.problem?.();
      if (now === problem) return undefined;
      problem = now;
      return eventText('problem', { message: now ?? '' });
    };
    const atStart = problemChanged();
    if (atStart) yield atStart;
    while (!signal.aborted) {
      if (!dirty) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, heartbeatMs);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = undefined;
        if (signal.aborted) return;
        if (!dirty) {
          const ended = await o.check();
          if (ended !== undefined) {
            yield eventText('end', { message: ended });
            return;
          }
          yield ': keep-alive\n\n';
          continue;
        }
      }
      dirty = false;
      const ended = await o.check();
      if (ended !== undefined) {
        yield eventText('end', { message: ended });
        return;
      }
      // page forward until caught up; each page is one chunk, taken only when the transport wants more
      for (;;) {
        const page = await source.readAfter(cursor, batch);
        if (page.missed > 0) yield eventText('gap', { missed: page.missed });
        if (page.entries.length === 0) break;
        cursor = page.entries.at(-1)!.seq;
        const matching = page.entries.filter((t) => matchesFilter(t, filter));
        if (matching.length > 0) {
          lastSent = matching.at(-1)!.seq;
          yield entriesText(matching, epoch);
        }
        if (page.entries.length < batch || signal.aborted) break;
      }
      const changed = problemChanged();
      if (changed) yield changed;
      if (lastSent !== cursor) {
        // move the browser's Last-Event-ID past what the filter left out
        lastSent = cursor;
        yield `id: ${epoch}:${cursor}\n\n`;
      }
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', poke);
  }
}
