// A Storage that encrypts the values of the configured resources on the way in and decrypts them on the way out
// (kube-apiserver's value transformer around etcd). Keys, revisions and watch order are the inner storage's; a
// value read through other than the writing key is marked stale, so an update rewrites it even when the object is
// unchanged (`kubectl replace` of every secret after a key rotation). A value no configured key can read makes the
// point read fail with a DecryptionError naming the key and what is missing (lists and watches: see openOrPass).
import type { KeyValue, RangeOptions, RangeResult, Storage, StoreEvent, WatchOptions } from '../types.js';
import { DecryptionError, type ResourceTransformer } from './transformers.js';

export type TransformerLookup = (group: string, resource: string) => ResourceTransformer | undefined;

/** "/registry/<group or core>/<resource>/…" → the resource's transformer, if the configuration names it. */
function transformerFor(lookup: TransformerLookup, key: string): ResourceTransformer | undefined {
  const parts = key.split('/');
  if (parts[1] !== 'registry' || parts.length < 4) return undefined;
  const group = parts[2] === 'core' ? '' : (parts[2] ?? '');
  return lookup(group, parts[3] ?? '');
}

/** Values opened at once by a range (a KMS provider may ask its plugin for each one's key). */
const openBatch = 64;

async function openAll(kvs: readonly KeyValue[], open: (kv: KeyValue) => Promise<KeyValue>): Promise<KeyValue[]> {
  const out: KeyValue[] = [];
  for (let i = 0; i < kvs.length; i += openBatch) out.push(...(await Promise.all(kvs.slice(i, i + openBatch).map(open))));
  return out;
}

/** `release` is called when the storage closes (the KMS plugins' connections). */
export function encryptingStorage(inner: Storage, lookup: TransformerLookup, release?: () => void): Storage {
  const seal = async (key: string, value: string) => (await transformerFor(lookup, key)?.seal(value, key)) ?? value;
  const open = async (kv: KeyValue): Promise<KeyValue> => {
    const t = transformerFor(lookup, kv.key);
    if (!t) return kv;
    try {
      const { value, stale } = await t.open(kv.value, kv.key);
      return stale ? { ...kv, value, stale: true } : { ...kv, value };
    } catch (e) {
      if (e instanceof DecryptionError) throw new DecryptionError(`cannot decrypt ${kv.key}: ${e.message}`, { cause: e });
      throw e;
    }
  };
  // Lists and watches feed the watch caches: one value no key reads must not stop a whole resource's cache (which
  // would leave every list of it waiting). It is said once per value and passed on still encrypted, so the cache
  // skips it as undecodable; a point read (get, update, delete) of that object fails with the DecryptionError.
  const reported = new Set<string>();
  const openOrPass = async (kv: KeyValue): Promise<KeyValue> => {
    try {
      return await open(kv);
    } catch (e) {
      if (!(e instanceof DecryptionError)) throw e;
      const note = `${kv.key}@${kv.modRevision}`;
      if (!reported.has(note)) {
        if (reported.size > 10_000) reported.clear();
        reported.add(note);
        process.emitWarning(`encryption at rest: ${e.message}; the object is left out of lists and watches until a configured key reads it`);
      }
      return kv;
    }
  };
  const openEvent = async (ev: StoreEvent): Promise<StoreEvent> =>
    ev.type === 'put'
      ? { type: 'put', kv: await openOrPass(ev.kv), ...(ev.prev ? { prev: await openOrPass(ev.prev) } : {}) }
      : { type: 'delete', key: ev.key, revision: ev.revision, prev: await openOrPass(ev.prev) };

  const wrapped: Storage = {
    currentRevision: () => inner.currentRevision(),
    async get(key) {
      const kv = await inner.get(key);
      return kv ? open(kv) : undefined;
    },
    async range(prefix: string, opts?: RangeOptions): Promise<RangeResult> {
      const r = await inner.range(prefix, opts);
      return { ...r, kvs: await openAll(r.kvs, openOrPass) };
    },
    create: async (key, value) => inner.create(key, await seal(key, value)),
    update: async (key, value, expected) => inner.update(key, await seal(key, value), expected),
    async delete(key, expected) {
      const r = await inner.delete(key, expected);
      return { revision: r.revision, prev: await open(r.prev) };
    },
    async *watch(opts: WatchOptions) {
      for await (const batch of inner.watch(opts)) {
        const events: StoreEvent[] = [];
        for (const ev of batch) events.push(await openEvent(ev));
        yield events;
      }
    },
    compact: (revision) => inner.compact(revision),
    compactedRevision: () => inner.compactedRevision(),
    async close() {
      try {
        await inner.close();
      } finally {
        release?.();
      }
    },
  };
  if (inner.probe) wrapped.probe = () => inner.probe!();
  if (inner.sizeBytes) wrapped.sizeBytes = () => inner.sizeBytes!();
  return wrapped;
}
