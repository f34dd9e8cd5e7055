// Waits until an object is gone (or replaced by one with another uid), watching rather than polling.
import { isRecord } from '../api/object.js';
import type { RestClient } from '../client/rest.js';

export async function waitForDeletion(client: RestClient, collectionPath: string, name: string, uid: string | undefined, signal: AbortSignal): Promise<void> {
  const fieldSelector = `metadata.name=${name}`;
  for (;;) {
    const list = await client.list(collectionPath, { query: { fieldSelector }, signal });
    const live = list.items.find((o) => o.metadata.name === name);
    if (!live || (uid && live.metadata.uid !== uid)) return;
    const rv = list.metadata.resourceVersion ?? '';
    for await (const ev of client.watch(collectionPath, { fieldSelector, resourceVersion: rv }, signal)) {
      if (ev.type === 'DELETED' && ev.object.metadata.name === name) return;
      if (ev.type === 'ERROR') break; // e.g. 410 Expired: list again
      if (ev.type !== 'BOOKMARK' && isRecord(ev.object.metadata) && uid && ev.object.metadata.uid !== uid) return;
    }
    if (signal.aborted) return;
  }
}
