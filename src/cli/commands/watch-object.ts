// Watching one named object until a condition holds (client-go's UntilWithSync over a field-selected
// list+watch): the listed object first, then every change; a watch that ends is resumed from its last version.
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeObject } from '../../api/object.js';
import type { DiscoveredResource } from '../../client/discovery.js';
import type { RestClient } from '../../client/rest.js';
import { CliError } from '../errors.js';
import { pathFor } from '../resource-args.js';

/** What the observer says after seeing the object (undefined: it is gone). */
export type Observer = (obj: KubeObject | undefined) => boolean | Promise<boolean>;

export class WatchTimeoutError extends CliError {
  override name = 'WatchTimeoutError';
}

/**
 * Resolves true when `observe` returns true (false when `watch` is false and the first look did not satisfy it);
 * throws WatchTimeoutError when `timeoutMs` (> 0) passes first.
 */
export async function untilObject(
  client: RestClient,
  target: { mapping: DiscoveredResource; namespace: string | undefined; name: string },
  observe: Observer,
  opts: { signal: AbortSignal; timeoutMs: number; timeoutMessage?: string; watch?: boolean },
): Promise<boolean> {
  const deadline = opts.timeoutMs > 0 ? AbortSignal.timeout(opts.timeoutMs) : undefined;
  const signal = deadline ? AbortSignal.any([opts.signal, deadline]) : opts.signal;
  const collection = pathFor(target.mapping, target.namespace);
  const fieldSelector = `metadata.name=${target.name}`;
  const timedOut = () => new WatchTimeoutError(opts.timeoutMessage ?? 'timed out waiting for the condition');
  try {
    for (;;) {
      const list = await client.list(collection, { query: { fieldSelector, limit: 500, resourceVersion: '0' }, signal });
      if (await observe(list.items[0])) return true;
      if (opts.watch === false) return false;
      let resourceVersion = list.metadata.resourceVersion ?? '';
      let relist = false;
      while (!relist) {
        let events = 0;
        for await (const ev of client.watch(collection, { fieldSelector, resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: 300 + Math.floor(Math.random() * 300) }, signal)) {
          events++;
          if (ev.type === 'ERROR') {
            relist = true; // e.g. 410 Gone: the version is too old to resume from
            break;
          }
          resourceVersion = ev.object.metadata.resourceVersion ?? resourceVersion;
          if (ev.type === 'BOOKMARK') continue;
          if (await observe(ev.type === 'DELETED' ? undefined : ev.object)) return true;
        }
        if (deadline?.aborted) throw timedOut();
        if (opts.signal.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted');
        // a server that ends watches at once should not be asked again in a tight loop
        if (events === 0) await delay(1000, undefined, { signal });
      }
    }
  } catch (e) {
    if (deadline?.aborted && !opts.signal.aborted && !(e instanceof CliError)) throw timedOut();
    throw e;
  }
}
