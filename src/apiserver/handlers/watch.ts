// WATCH: newline-delimited JSON events, bookmarks, timeouts, resume from a resourceVersion, 410 as an ERROR event.
import type { KubeObject } from '../../api/object.js';
import { groupVersion } from '../../api/resource-info.js';
import type { StoreWatchEvent } from '../../registry/store-types.js';
import { StorageError } from '../../storage/types.js';
import { encodeContext, type ResourceScope } from '../scope.js';
import { watchObjectJson, type EncodeContext } from '../encode.js';
import { isTrue } from '../request-info.js';
import { parseNonNegativeInt, selectionFilter } from '../query.js';
import { errors, field, toStatusError } from '../../api/status.js';
import type { ApiResponse } from '../types.js';

export interface WatchSettings {
  /** How often an idle watch with allowWatchBookmarks gets a BOOKMARK. */
  bookmarkIntervalMs: number;
  /** Server-chosen lifetime when the client gives no timeoutSeconds: [min, max) ms. */
  defaultTimeoutMs: [number, number];
}

export const defaultWatchSettings: WatchSettings = { bookmarkIntervalMs: 60_000, defaultTimeoutMs: [1_800_000, 3_600_000] };

const listOptionsKind = { group: 'meta.k8s.io', kind: 'ListOptions' };
const initialEventsEnd = 'k8s.io/initial-events-end';

export function watchObjects(s: ResourceScope, settings: WatchSettings): ApiResponse {
  const enc = encodeContext(s);
  const q = s.info.query;
  const filter = selectionFilter(s.store.strategy, q.get('labelSelector'), q.get('fieldSelector'));
  const rv = q.get('resourceVersion') ?? '';
  const bookmarks = isTrue(q.get('allowWatchBookmarks'));
  const sendInitialRaw = q.get('sendInitialEvents');
  const match = q.get('resourceVersionMatch') ?? '';
  const sendInitial = sendInitialRaw === null ? undefined : isTrue(sendInitialRaw);
  if (sendInitial !== undefined) {
    if (match !== 'NotOlderThan') throw errors.invalid(listOptionsKind, '', [field.forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan')]);
    if (!bookmarks && sendInitial) throw errors.invalid(listOptionsKind, '', [field.forbidden('allowWatchBookmarks', 'allowWatchBookmarks must be set to true when sendInitialEvents is set to true')]);
  } else if (match !== '') {
    throw errors.invalid(listOptionsKind, '', [field.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided')]);
  }
  let afterRevision: number | undefined;
  if (rv !== '' && rv !== '0') {
    if (!/^\d+$/.test(rv)) throw errors.badRequest(`invalid resource version: ${rv}`);
    afterRevision = Number(rv);
  }
  const withInitial = sendInitial ?? afterRevision === undefined;
  if (sendInitial === true) afterRevision = undefined;
  const timeoutSeconds = parseNonNegativeInt(q, 'timeoutSeconds');
  const [lo, hi] = settings.defaultTimeoutMs;
  // Timers hold at most 2^31-1 ms (about 24.8 days); a longer request would fire at once instead.
  const timeoutMs = timeoutSeconds !== undefined && timeoutSeconds > 0 ? Math.min(timeoutSeconds * 1000, 2 ** 31 - 1) : lo + Math.random() * (hi - lo);

  const stream = eventStream(s, enc, {
    ...(filter ? { filter } : {}),
    afterRevision,
    withInitial,
    anyInitialState: rv === '0',
    initialEndBookmark: sendInitial === true,
    bookmarks,
    timeoutMs,
    bookmarkIntervalMs: settings.bookmarkIntervalMs,
  });
  return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'no-cache, private' }, body: stream };
}

interface StreamOptions {
  filter?: (obj: Readonly<KubeObject>) => boolean;
  afterRevision: number | undefined;
  withInitial: boolean;
  anyInitialState: boolean;
  initialEndBookmark: boolean;
  bookmarks: boolean;
  timeoutMs: number;
  bookmarkIntervalMs: number;
}

type Next = { kind: 'events'; result: IteratorResult<StoreWatchEvent[]> } | { kind: 'tick' } | { kind: 'stop' } | { kind: 'error'; error: unknown };

async function* eventStream(s: ResourceScope, enc: EncodeContext, o: StreamOptions): AsyncGenerator<string> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  s.ctx.signal.addEventListener('abort', onAbort, { once: true });
  const timeout = setTimeout(() => stop.abort(), o.timeoutMs);
  // One waiter at a time: the stop, the bookmark timer and the next batch each wake the current waiter. (Racing
  // each batch against long-lived promises would leave a reaction on them per batch, keeping every batch alive
  // for the whole watch.)
  let wake: ((n: Next) => void) | undefined;
  let tickDue = false;
  let tickTimer: NodeJS.Timeout | undefined;
  // Timers go with the stop signal, even if the consumer never asks for another chunk.
  stop.signal.addEventListener('abort', () => {
    clearTimeout(timeout);
    if (tickTimer) clearTimeout(tickTimer);
    wake?.({ kind: 'stop' });
  }, { once: true });
  const armTick = () => {
    tickTimer = setTimeout(() => {
      tickDue = true;
      wake?.({ kind: 'tick' });
    }, o.bookmarkIntervalMs);
  };

  const gv = groupVersion(s.resource);
  const bookmark = (revision: number, annotations?: Record<string, string>) =>
    `{"type":"BOOKMARK","object":${JSON.stringify({ kind: s.resource.kind, apiVersion: gv, metadata: { resourceVersion: String(revision), ...(annotations ? { annotations } : {}) } })}}\n`;

  const iterator = s.store
    .watch(s.info.namespace, {
      ...(o.filter ? { filter: o.filter } : {}),
      ...(o.withInitial ? {} : { afterRevision: o.afterRevision ?? (await s.store.cache.revision()) }),
      anyInitialState: o.anyInitialState,
      signal: stop.signal,
    })
    [Symbol.asyncIterator]();
  let lastRevision = o.afterRevision ?? 0;
  // The batch asked for and not yet taken; its result waits here when a tick or the stop wakes first.
  let requested = false;
  let arrived: Next | undefined;
  if (o.bookmarks) armTick();
  try {
    for (;;) {
      if (!requested) {
        requested = true;
        iterator.next().then(
          (result) => {
            arrived = { kind: 'events', result };
            wake?.(arrived);
          },
          (error: unknown) => {
            arrived = { kind: 'error', error };
            wake?.(arrived);
          },
        );
      }
      const n = await new Promise<Next>((resolve) => {
        if (stop.signal.aborted) resolve({ kind: 'stop' });
        else if (tickDue) resolve({ kind: 'tick' });
        else if (arrived) resolve(arrived);
        else wake = resolve;
      });
      wake = undefined;
      if (n.kind === 'stop') return;
      if (n.kind === 'tick') {
        tickDue = false;
        if (lastRevision > 0) yield bookmark(lastRevision);
        armTick();
        continue;
      }
      requested = false;
      arrived = undefined;
      if (n.kind === 'error') {
        yield errorEvent(n.error, o.afterRevision);
        return;
      }
      if (n.result.done) return;
      let chunk = '';
      for (const ev of n.result.value) {
        lastRevision = Math.max(lastRevision, ev.revision);
        if (ev.type === 'INITIAL_END') {
          if (o.initialEndBookmark) chunk += bookmark(ev.revision, { [initialEventsEnd]: 'true' });
          continue;
        }
        chunk += `{"type":"${ev.type}","object":${watchObjectJson(ev.object, enc, true)}}\n`;
      }
      if (chunk) yield chunk;
    }
  } finally {
    clearTimeout(timeout);
    if (tickTimer) clearTimeout(tickTimer);
    s.ctx.signal.removeEventListener('abort', onAbort);
    stop.abort();
    void iterator.return?.(undefined).catch(() => undefined);
  }
}

function errorEvent(e: unknown, requested: number | undefined): string {
  let status;
  if (e instanceof StorageError && e.code === 'Compacted') {
    status = (e.message.startsWith('too old resource version') ? errors.expired(e.message) : errors.tooOldResourceVersion(requested ?? 0, e.revision ?? 0)).status;
  } else if (e instanceof StorageError && e.code === 'FutureRevision') {
    status = errors.timeout(e.message).status;
  } else {
    status = toStatusError(e).status;
  }
  return `{"type":"ERROR","object":${JSON.stringify(status)}}\n`;
}
