// Garbage collector: follows ownerReferences. Dependents whose owners are all gone are deleted; an owner
// deleted with the `orphan` finalizer has its dependents' references removed; an owner deleted with
// `foregroundDeletion` has its dependents deleted (in the foreground too) and keeps its finalizer until
// no dependent with blockOwnerDeletion remains.
import type { KubeObject, OwnerReference } from '../api/object.js';
import { catalog, findByKind } from '../api/catalog.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { isConflict, isNotFound } from '../client/api-error.js';
import { byOwnerUid, objectKey, ownerUidIndex, type Indexer, type Informer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { pathFor } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import { discoverCustomResources } from '../client/control/served-resources.js';
import type { ControllerClient, ControllerContext, ReconcileResult } from '../client/control/types.js';

export const uidIndex = 'uid';

export interface GcResource {
  info: ResourceInfo;
  store: Indexer;
}

export interface GarbageCollectorDeps {
  client: ControllerClient;
  /** Keyed by "<group>/<resource>". */
  resources: Map<string, GcResource>;
}

const resKey = (r: { group: string; resource: string }) => `${r.group}/${r.resource}`;

/** Resources the collector watches: everything stored that can be listed, watched and deleted, but events. */
export function collectedResources(): ResourceInfo[] {
  return catalog.filter(
    (r) => r.verbs.includes('list') && r.verbs.includes('watch') && r.verbs.includes('delete') && r.resource !== 'events',
  );
}

function objectPath(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return pathFor(info, info.namespaced ? namespace : undefined, name);
}

function dependentsOf(d: GarbageCollectorDeps, uid: string): { info: ResourceInfo; obj: KubeObject }[] {
  const out: { info: ResourceInfo; obj: KubeObject }[] = [];
  for (const r of d.resources.values()) for (const obj of r.store.byIndex(ownerUidIndex, uid)) out.push({ info: r.info, obj });
  return out;
}

type OwnerState = 'present' | 'absent' | 'waiting';

/** An owner kind served by a CustomResourceDefinition the collector watches. */
function customKind(d: GarbageCollectorDeps, apiVersion: string, kind: string): ResourceInfo | undefined {
  const [g, v] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  for (const r of d.resources.values()) if (r.info.group === g && r.info.kind === kind) return { ...r.info, version: v ?? r.info.version };
  return undefined;
}

async function ownerState(d: GarbageCollectorDeps, dependent: KubeObject, ref: OwnerReference): Promise<OwnerState> {
  const stateOf = (o: KubeObject): OwnerState => (o.metadata.deletionTimestamp && (o.metadata.finalizers ?? []).includes('foregroundDeletion') ? 'waiting' : 'present');
  for (const r of d.resources.values()) {
    const [hit] = r.store.byIndex(uidIndex, ref.uid);
    if (hit) return stateOf(hit);
  }
  // Not in any cache: ask the API server before calling it gone (caches lag).
  const info = findByKind(ref.apiVersion, ref.kind) ?? customKind(d, ref.apiVersion, ref.kind);
  if (!info) return 'present'; // an owner kind we cannot look up: leave the dependent alone
  try {
    const live = await d.client.get<KubeObject>(objectPath(info, dependent.metadata.namespace, ref.name));
    return live.metadata.uid === ref.uid ? stateOf(live) : 'absent';
  } catch (e) {
    if (isNotFound(e)) return 'absent';
    throw e;
  }
}

async function removeFinalizer(d: GarbageCollectorDeps, info: ResourceInfo, obj: KubeObject, finalizer: string): Promise<void> {
  const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  await d.client.patch(objectPath(info, obj.metadata.namespace, obj.metadata.name ?? ''), { metadata: { finalizers: finalizers.length ? finalizers : null, resourceVersion: obj.metadata.resourceVersion } }, 'merge');
}

async function setOwnerRefs(d: GarbageCollectorDeps, info: ResourceInfo, obj: KubeObject, refs: OwnerReference[]): Promise<void> {
  try {
    await d.client.patch(objectPath(info, obj.metadata.namespace, obj.metadata.name ?? ''), { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: obj.metadata.resourceVersion } }, 'merge');
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

async function deleteObject(d: GarbageCollectorDeps, info: ResourceInfo, obj: KubeObject, propagationPolicy: 'Background' | 'Foreground'): Promise<void> {
  try {
    await d.client.delete(objectPath(info, obj.metadata.namespace, obj.metadata.name ?? ''), {
      body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy, preconditions: { uid: obj.metadata.uid } },
    });
  } catch (e) {
    if (!isNotFound(e) && !isConflict(e)) throw e;
  }
}

/** key: "<group>/<resource>|<namespace>/<name>" (or "|<name>" for cluster-scoped). */
export async function reconcileGarbage(key: string, d: GarbageCollectorDeps): Promise<ReconcileResult> {
  const bar = key.indexOf('|');
  const r = d.resources.get(key.slice(0, bar));
  const obj = r?.store.get(key.slice(bar + 1));
  if (!r || !obj) return;
  const uid = obj.metadata.uid ?? '';
  const finalizers = obj.metadata.finalizers ?? [];

  if (obj.metadata.deletionTimestamp && finalizers.includes('orphan')) {
    for (const dep of dependentsOf(d, uid)) {
      await setOwnerRefs(d, dep.info, dep.obj, (dep.obj.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== uid));
    }
    await removeFinalizer(d, r.info, obj, 'orphan');
    return;
  }
  if (obj.metadata.deletionTimestamp && finalizers.includes('foregroundDeletion')) {
    const deps = dependentsOf(d, uid);
    for (const dep of deps) if (!dep.obj.metadata.deletionTimestamp) await deleteObject(d, dep.info, dep.obj, 'Foreground');
    const blocking = deps.filter((dep) => (dep.obj.metadata.ownerReferences ?? []).some((ref) => ref.uid === uid && ref.blockOwnerDeletion === true));
    if (blocking.length === 0) await removeFinalizer(d, r.info, obj, 'foregroundDeletion');
    return;
  }

  const refs = obj.metadata.ownerReferences ?? [];
  if (refs.length === 0 || obj.metadata.deletionTimestamp) return;
  const states = await Promise.all(refs.map((ref) => ownerState(d, obj, ref)));
  const present = refs.filter((_, i) => states[i] === 'present');
  const absent = refs.filter((_, i) => states[i] === 'absent');
  const waiting = refs.filter((_, i) => states[i] === 'waiting');
  if (present.length > 0) {
    // Some owner remains: drop references to owners that are gone, and stop blocking owners that wait.
    const blocksWaiting = waiting.some((ref) => ref.blockOwnerDeletion === true);
    if (absent.length === 0 && !blocksWaiting) return;
    const gone = new Set(absent.map((ref) => ref.uid));
    const waitingUids = new Set(waiting.map((ref) => ref.uid));
    const next = refs.filter((ref) => !gone.has(ref.uid)).map((ref) => (waitingUids.has(ref.uid) ? { ...ref, blockOwnerDeletion: false } : ref));
    await setOwnerRefs(d, r.info, obj, next);
    return;
  }
  if (absent.length === 0 && waiting.length === 0) return;
  await deleteObject(d, r.info, obj, waiting.length > 0 ? 'Foreground' : 'Background');
}

export function startGarbageCollector(ctx: ControllerContext): Promise<void> {
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  const resources = new Map<string, GcResource>();
  const informers: Informer[] = [];
  const keyOf = (info: ResourceInfo, obj: KubeObject) => `${resKey(info)}|${objectKey(obj)}`;
  const enqueueDependents = (uid: string | undefined) => {
    if (!uid) return;
    for (const dep of dependentsOf({ client: ctx.client, resources }, uid)) queue.add(keyOf(dep.info, dep.obj));
  };
  const enqueueWaitingOwners = (obj: KubeObject) => {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      for (const r of resources.values()) {
        const [owner] = r.store.byIndex(uidIndex, ref.uid);
        if (owner?.metadata.deletionTimestamp) queue.add(keyOf(r.info, owner));
      }
    }
  };
  const interesting = (obj: KubeObject) => (obj.metadata.ownerReferences ?? []).length > 0 || (obj.metadata.deletionTimestamp !== undefined && (obj.metadata.finalizers ?? []).some((f) => f === 'orphan' || f === 'foregroundDeletion'));
  const watchResource = (info: ResourceInfo) => {
    const inf = ctx.factory.informerFor({ path: pathFor(info), indexers: { [ownerUidIndex]: byOwnerUid, [uidIndex]: (o) => (o.metadata.uid ? [o.metadata.uid] : []) } });
    resources.set(resKey(info), { info, store: inf.store });
    inf.addEventHandler({
      add(obj) {
        if (interesting(obj)) queue.add(keyOf(info, obj));
      },
      update(_old, obj) {
        if (interesting(obj)) queue.add(keyOf(info, obj));
        if (obj.metadata.deletionTimestamp) enqueueDependents(obj.metadata.uid);
      },
      delete(obj) {
        enqueueDependents(obj.metadata.uid);
        enqueueWaitingOwners(obj);
      },
    });
    return inf;
  };
  for (const info of collectedResources()) informers.push(watchResource(info));
  const deps: GarbageCollectorDeps = { client: ctx.client, resources };
  // once a custom kind is known, dependents that name it as owner are looked at again
  const ownedBy = (info: ResourceInfo) => {
    for (const r of resources.values()) for (const obj of r.store.list()) {
      if ((obj.metadata.ownerReferences ?? []).some((ref) => ref.kind === info.kind && ref.apiVersion.split('/')[0] === info.group)) queue.add(keyOf(r.info, obj));
    }
  };
  void followCustomResources(ctx, resources, (info) => {
    const inf = watchResource(info);
    ownedBy(info);
    return inf;
  });
  return runController({ name: 'garbage-collector', informers, queue, reconcile: (key) => reconcileGarbage(key, deps), workers: ctx.workers ?? 5, signal: ctx.signal, log: ctx.log });
}

/**
 * Custom resources come and go with their CRDs: every few seconds the collector reads discovery and watches the
 * new ones (an informer asked for after start runs at once); resources no longer served are forgotten.
 */
async function followCustomResources(ctx: ControllerContext, resources: Map<string, GcResource>, watch: (info: ResourceInfo) => Informer): Promise<void> {
  const custom = new Set<string>();
  while (!ctx.signal.aborted) {
    try {
      const served = (await discoverCustomResources(ctx.client)).filter((r) => r.verbs.includes('list') && r.verbs.includes('watch') && r.verbs.includes('delete'));
      const now = new Set(served.map(resKey));
      for (const r of served) {
        if (custom.has(resKey(r))) continue;
        custom.add(resKey(r));
        watch(r);
      }
      for (const k of [...custom]) if (!now.has(k)) {
        custom.delete(k);
        resources.delete(k);
      }
    } catch (e) {
      ctx.log?.(`garbage-collector: discovery: ${e instanceof Error ? e.message : String(e)}`);
    }
    await new Promise((r) => {
      const t = setTimeout(r, customResourcePollMs);
      t.unref?.();
      ctx.signal.addEventListener('abort', () => { clearTimeout(t); r(undefined); }, { once: true });
    });
  }
}

const customResourcePollMs = 3000;
