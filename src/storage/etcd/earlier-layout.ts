// Moves objects that a-kube's earlier etcd layout wrote ("/registry/apps/deployments/…", "/registry/services/…",
// "/registry/nodes/…") to where kube-apiserver keeps them (kube-prefixes.ts), once, when the store opens.
//
// Each object moves in one transaction: put at the new key if that key does not exist, and delete the old key if
// it is still at the revision read, so a crash or a second API server doing the same leaves every object in
// exactly one place, and running it again moves nothing. Objects move in the order of their old mod revisions:
// their new resourceVersions (each move is an etcd revision) keep that order, but they are new numbers, and the
// create revisions are new too. The values are unchanged (UIDs, creation timestamps, everything in them); the
// old keys' history stays in etcd until the next compaction. An old key whose new key already exists (written
// by a newer a-kube while an older one kept writing) is left where it is and reported.
import { earlierEtcdPrefix, kubeResourcePrefixes } from './kube-prefixes.js';
import type { EtcdStorage } from './store.js';
import { prefixRangeEnd } from './store.js';

const pageSize = 1000;
const attempts = 3;

export interface EarlierLayoutReport {
  /** Objects moved, per move ("apps/deployments → deployments"). */
  moved: Map<string, number>;
  /** Old keys left in place because their new key exists. */
  kept: string[];
  /** Old keys that changed under every attempt to move them (written meanwhile); the next start moves them. */
  busy: string[];
}

interface OldKey {
  oldKey: string;
  newKey: string;
  modRevision: number;
  move: string;
}

/**
 * A key of the earlier layout: below the old prefix, one segment (cluster-scoped) or two (namespace and name).
 * The segment count tells "/registry/services/NS/NAME" (earlier) from "/registry/services/specs/NS/NAME".
 */
function isObjectKey(rest: string): boolean {
  const parts = rest.split('/');
  return parts.length <= 2 && parts.every((p) => p.length > 0);
}

async function oldKeys(store: EtcdStorage): Promise<OldKey[]> {
  const root = store.layout.root;
  const found: OldKey[] = [];
  for (const [resource, prefix] of Object.entries(kubeResourcePrefixes)) {
    const earlier = earlierEtcdPrefix(resource);
    if (earlier === prefix) continue;
    const from = `${root}/${earlier}/`;
    const end = prefixRangeEnd(Buffer.from(from, 'utf8'));
    let start = Buffer.from(from, 'utf8');
    for (;;) {
      const page = await store.client.range({ key: start, range_end: end, keys_only: true, limit: String(pageSize) });
      for (const kv of page.kvs) {
        const key = kv.key.toString('utf8');
        const rest = key.slice(from.length);
        if (!isObjectKey(rest)) continue;
        found.push({ oldKey: key, newKey: `${root}/${prefix}/${rest}`, modRevision: Number(kv.mod_revision), move: `${earlier} → ${prefix}` });
      }
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || !last) break;
      start = Buffer.concat([last.key, Buffer.from([0])]);
    }
  }
  return found.sort((a, b) => a.modRevision - b.modRevision);
}

/**
 * Moves one object: 'moved', 'gone' (another server moved or deleted it), 'kept' (its new key exists) or 'busy'
 * (it changed between each read and its transaction).
 */
async function moveOne(store: EtcdStorage, k: OldKey): Promise<'moved' | 'gone' | 'kept' | 'busy'> {
  const oldKey = Buffer.from(k.oldKey, 'utf8');
  const newKey = Buffer.from(k.newKey, 'utf8');
  for (let i = 0; i < attempts; i++) {
    const current = (await store.client.range({ key: oldKey })).kvs[0];
    if (!current) return 'gone';
    const res = await store.client.txn({
      compare: [
        { key: newKey, target: 'Create', result: 'Equal', create_revision: '0' },
        { key: oldKey, target: 'Mod', result: 'Equal', mod_revision: current.mod_revision },
      ],
      success: [{ request_put: { key: newKey, value: current.value } }, { request_delete_range: { key: oldKey } }],
      failure: [{ request_range: { key: newKey, count_only: true } }],
    });
    if (res.succeeded) return 'moved';
    if (Number(res.responses[0]?.response_range?.count ?? 0) > 0) return 'kept';
    // the old key changed between the read and the transaction: read it again
  }
  return 'busy';
}

export async function moveEarlierLayout(store: EtcdStorage): Promise<EarlierLayoutReport> {
  const report: EarlierLayoutReport = { moved: new Map(), kept: [], busy: [] };
  for (const k of await oldKeys(store)) {
    const outcome = await moveOne(store, k);
    if (outcome === 'moved') report.moved.set(k.move, (report.moved.get(k.move) ?? 0) + 1);
    else if (outcome === 'kept') report.kept.push(k.oldKey);
    else if (outcome === 'busy') report.busy.push(k.oldKey);
  }
  return report;
}

/** The log lines of a report (none when nothing was found). */
export function describeEarlierLayoutReport(r: EarlierLayoutReport): string[] {
  const lines: string[] = [];
  const total = [...r.moved.values()].reduce((a, b) => a + b, 0);
  if (total > 0) {
    const parts = [...r.moved].map(([move, n]) => `${move}: ${n}`).join(', ');
    lines.push(`moved ${total} object${total === 1 ? '' : 's'} from a-kube's earlier etcd key layout to kube-apiserver's (${parts}); each has a new resourceVersion, in the old order`);
  }
  const shown = (keys: string[]) => `${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}`;
  if (r.kept.length > 0) {
    lines.push(`left ${r.kept.length} key${r.kept.length === 1 ? '' : 's'} of the earlier layout in place because the object exists at its new key too: ${shown(r.kept)}`);
  }
  if (r.busy.length > 0) {
    lines.push(`left ${r.busy.length} key${r.busy.length === 1 ? '' : 's'} of the earlier layout in place because ${r.busy.length === 1 ? 'it' : 'they'} kept changing while being moved (the next start moves them): ${shown(r.busy)}`);
  }
  return lines;
}
