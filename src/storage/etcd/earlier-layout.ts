// Moves objects that a-kube's earlier etcd layout wrote ("/registry/apps/deployments/…", "/registry/services/…",
// "/registry/nodes/…", "/registry/events.k8s.io/events/…") to where kube-apiserver keeps them (kube-prefixes.ts),
// when the store opens, until a scan finds nothing left to move: then a marker key ("<prefix>/a-kube-layout",
// outside every resource's range, so no range or watch sees it) records that the layout is current, and later
// starts skip the scan. The marker is created in a transaction on its absence; two servers starting at once both
// scan (each move is safe to race, below) and one of them writes it. A scan that leaves keys that kept changing
// writes no marker, so the next start tries them again.
//
// Each object moves in one transaction: put at the new key if that key does not exist, and delete the old key if
// it is still at the revision read, so a crash or a second API server doing the same leaves every object in
// exactly one place, and running it again moves nothing. Objects move in the order of their old mod revisions:
// their new resourceVersions (each move is an etcd revision) keep that order, but they are new numbers, and the
// create revisions are new too. The values are unchanged (UIDs, creation timestamps, everything in them); the
// old keys' history stays in etcd until the next compaction. An old key whose new key already exists (written
// by a newer a-kube while an older one kept writing) is left where it is and reported.
// events.k8s.io/v1 Events, which the earlier layout kept apart, join the core Events' range converted to core/v1
// Events (kube-apiserver stores both groups' Events so); a value that is not a JSON object (encrypted) stays.
import { eventsV1ToCoreEvent } from '../../api/event-conversion.js';
import { isRecord, type KubeObject } from '../../api/object.js';
import type { EtcdClient } from './client.js';
import type { KeyLayout } from './key-layout.js';
import { earlierEtcdPrefix, kubeResourcePrefixes, mergedEarlierPrefixes } from './kube-prefixes.js';
import { prefixRangeEnd } from './store.js';

const pageSize = 1000;
const attempts = 3;

/** Below the root; one segment, so no resource's range holds it (key-layout.ts maps it to no store key). */
export const layoutMarkerName = 'a-kube-layout';
/** The layout the marker records; a later change of layout raises it and scans once more. */
const layoutVersion = 2;

/** What the move needs of the etcd store. */
export interface EarlierLayoutStore {
  readonly layout: KeyLayout;
  readonly client: Pick<EtcdClient, 'range' | 'txn'>;
}

/** How a value changes on its move: unchanged, or converted to the resource it joins (undefined: cannot be). */
type ValueChange = (value: Buffer) => Buffer | undefined;

const valueChanges: Readonly<Record<string, (obj: Readonly<KubeObject>) => KubeObject>> = {
  'events.k8s.io/events': eventsV1ToCoreEvent,
};

function convertingJson(convert: (obj: Readonly<KubeObject>) => KubeObject): ValueChange {
  return (value) => {
    let obj: unknown;
    try {
      obj = JSON.parse(value.toString('utf8'));
    } catch {
      return undefined;
    }
    if (!isRecord(obj) || !isRecord(obj['metadata'])) return undefined;
    return Buffer.from(JSON.stringify(convert(obj as unknown as KubeObject)), 'utf8');
  };
}

export interface EarlierLayoutReport {
  /** Objects moved, per move ("apps/deployments → deployments"). */
  moved: Map<string, number>;
  /** Old keys left in place because their new key exists. */
  kept: string[];
  /** Old keys that changed under every attempt to move them (written meanwhile); the next start moves them. */
  busy: string[];
  /** Old keys whose value could not be converted for the resource it joins (not JSON: encrypted). */
  unconverted: string[];
  /** The marker said the layout is current: nothing was scanned. */
  skipped: boolean;
}

interface OldKey {
  oldKey: string;
  newKey: string;
  modRevision: number;
  move: string;
  change?: ValueChange;
}

/**
 * A key of the earlier layout: below the old prefix, one segment (cluster-scoped) or two (namespace and name).
 * The segment count tells "/registry/services/NS/NAME" (earlier) from "/registry/services/specs/NS/NAME".
 */
function isObjectKey(rest: string): boolean {
  const parts = rest.split('/');
  return parts.length <= 2 && parts.every((p) => p.length > 0);
}

/** Every move: from an earlier prefix to its resource's prefix now, and how values change on the way. */
function moves(): { from: string; to: string; change?: ValueChange }[] {
  const out: { from: string; to: string; change?: ValueChange }[] = [];
  for (const [resource, prefix] of Object.entries(kubeResourcePrefixes)) {
    const earlier = earlierEtcdPrefix(resource);
    if (earlier !== prefix) out.push({ from: earlier, to: prefix });
  }
  for (const [earlier, resource] of Object.entries(mergedEarlierPrefixes)) {
    const prefix = kubeResourcePrefixes[resource];
    const convert = valueChanges[earlier];
    if (prefix !== undefined && convert) out.push({ from: earlier, to: prefix, change: convertingJson(convert) });
  }
  return out;
}

async function oldKeys(store: EarlierLayoutStore): Promise<OldKey[]> {
  const root = store.layout.root;
  const found: OldKey[] = [];
  for (const { from: earlier, to: prefix, change } of moves()) {
    const from = `${root}/${earlier}/`;
    const end = prefixRangeEnd(Buffer.from(from, 'utf8'));
    let start = Buffer.from(from, 'utf8');
    for (;;) {
      const page = await store.client.range({ key: start, range_end: end, keys_only: true, limit: String(pageSize) });
      for (const kv of page.kvs) {
        const key = kv.key.toString('utf8');
        const rest = key.slice(from.length);
        if (!isObjectKey(rest)) continue;
        found.push({ oldKey: key, newKey: `${root}/${prefix}/${rest}`, modRevision: Number(kv.mod_revision), move: `${earlier} → ${prefix}`, ...(change ? { change } : {}) });
      }
      const last = page.kvs[page.kvs.length - 1];
      if (!page.more || !last) break;
      start = Buffer.concat([last.key, Buffer.from([0])]);
    }
  }
  return found.sort((a, b) => a.modRevision - b.modRevision);
}

/**
 * Moves one object: 'moved', 'gone' (another server moved or deleted it), 'kept' (its new key exists), 'busy'
 * (it changed between each read and its transaction) or 'unconverted' (its value cannot be converted).
 */
async function moveOne(store: EarlierLayoutStore, k: OldKey): Promise<'moved' | 'gone' | 'kept' | 'busy' | 'unconverted'> {
  const oldKey = Buffer.from(k.oldKey, 'utf8');
  const newKey = Buffer.from(k.newKey, 'utf8');
  for (let i = 0; i < attempts; i++) {
    const current = (await store.client.range({ key: oldKey })).kvs[0];
    if (!current) return 'gone';
    const value = k.change ? k.change(current.value) : current.value;
    if (value === undefined) return 'unconverted';
    const res = await store.client.txn({
      compare: [
        { key: newKey, target: 'Create', result: 'Equal', create_revision: '0' },
        { key: oldKey, target: 'Mod', result: 'Equal', mod_revision: current.mod_revision },
      ],
      success: [{ request_put: { key: newKey, value } }, { request_delete_range: { key: oldKey } }],
      failure: [{ request_range: { key: newKey, count_only: true } }, { request_range: { key: oldKey, keys_only: true } }],
    });
    if (res.succeeded) return 'moved';
    const old = res.responses[1]?.response_range?.kvs?.[0];
    // another server moved (or someone deleted) it since the read
    if (!old) return 'gone';
    if (old.mod_revision === current.mod_revision && Number(res.responses[0]?.response_range?.count ?? 0) > 0) return 'kept';
    // the old key changed between the read and the transaction: read it again
  }
  return 'busy';
}

function markerKey(store: EarlierLayoutStore): Buffer {
  return Buffer.from(`${store.layout.root}/${layoutMarkerName}`, 'utf8');
}

/** Whether the marker records the current layout (or a later one, written by a newer a-kube). */
async function layoutIsCurrent(store: EarlierLayoutStore): Promise<boolean> {
  const kv = (await store.client.range({ key: markerKey(store) })).kvs[0];
  if (!kv) return false;
  const version = Number(kv.value.toString('utf8'));
  return Number.isInteger(version) && version >= layoutVersion;
}

/** Records the current layout, unless a marker is there already (another server's, or a newer a-kube's). */
async function markLayoutCurrent(store: EarlierLayoutStore): Promise<void> {
  const key = markerKey(store);
  await store.client.txn({
    compare: [{ key, target: 'Create', result: 'Equal', create_revision: '0' }],
    success: [{ request_put: { key, value: Buffer.from(String(layoutVersion), 'utf8') } }],
    failure: [],
  });
}

export async function moveEarlierLayout(store: EarlierLayoutStore): Promise<EarlierLayoutReport> {
  const report: EarlierLayoutReport = { moved: new Map(), kept: [], busy: [], unconverted: [], skipped: false };
  if (await layoutIsCurrent(store)) return { ...report, skipped: true };
  for (const k of await oldKeys(store)) {
    const outcome = await moveOne(store, k);
    if (outcome === 'moved') report.moved.set(k.move, (report.moved.get(k.move) ?? 0) + 1);
    else if (outcome === 'kept') report.kept.push(k.oldKey);
    else if (outcome === 'busy') report.busy.push(k.oldKey);
    else if (outcome === 'unconverted') report.unconverted.push(k.oldKey);
  }
  if (report.busy.length === 0) await markLayoutCurrent(store);
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
  if (r.unconverted.length > 0) {
    lines.push(`left ${r.unconverted.length} key${r.unconverted.length === 1 ? '' : 's'} of the earlier layout in place because ${r.unconverted.length === 1 ? 'its value is' : 'their values are'} not JSON objects to convert (encrypted?): ${shown(r.unconverted)}`);
  }
  if (r.busy.length > 0) {
    lines.push(`left ${r.busy.length} key${r.busy.length === 1 ? '' : 's'} of the earlier layout in place because ${r.busy.length === 1 ? 'it' : 'they'} kept changing while being moved (the next start moves them): ${shown(r.busy)}`);
  }
  return lines;
}
