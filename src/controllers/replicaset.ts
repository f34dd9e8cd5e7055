// ReplicaSet controller: keeps `spec.replicas` active pods for each ReplicaSet, adopting matching orphans
// and releasing pods that stopped matching, and reports status. The same loop runs ReplicationControllers, whose
// selector is a plain label map (replicationControllerKind).
import { deepEqual } from '../api/deep-equal.js';
import type { KubeObject } from '../api/object.js';
import { byOwnerUid, objectKey, ownerUidIndex, splitKey, type Indexer } from '../client/informer.js';
import { isConflict, isNotFound } from '../client/api-error.js';
import { WorkQueue, type Clock } from '../client/workqueue.js';
import { Expectations } from './expectations.js';
import { claimObjects, controllerRef, ownerRefTo } from './owner-refs.js';
import { comparePodsForDeletion, isPodActive, isPodAvailable, isPodReady, msUntilAvailable, num, rec, specOf, statusOf } from '../api/pod-util.js';
import { pathFor, R, type GroupVersionResource } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import { selectorMatches } from '../api/selectors/spec-match.js';
import type { ControllerClient, ControllerContext, EventRecorder, ReconcileResult } from '../client/control/types.js';

/** At most this many creations or deletions per sync (k8s burstReplicas). */
export const burstReplicas = 500;

/** What differs between the kinds this controller runs: their API identity and how their selector is written. */
export interface ReplicaKind {
  apiVersion: string;
  kind: string;
  resource: GroupVersionResource;
  /** The controller's name (work queue, logs). */
  name: string;
  /** The selector as a LabelSelector. */
  selector(spec: Record<string, unknown>): unknown;
}

export const replicaSetKind: ReplicaKind = { apiVersion: 'apps/v1', kind: 'ReplicaSet', resource: R.replicasets, name: 'replicaset', selector: (spec) => spec['selector'] };

/** A ReplicationController selects by a label map; an empty one selects nothing. */
export const replicationControllerKind: ReplicaKind = {
  apiVersion: 'v1',
  kind: 'ReplicationController',
  resource: { group: '', version: 'v1', resource: 'replicationcontrollers' },
  name: 'replicationcontroller',
  selector: (spec) => {
    const m = rec(spec['selector']);
    return Object.keys(m).length > 0 ? { matchLabels: m } : undefined;
  },
};

export interface ReplicaSetDeps {
  client: ControllerClient;
  /** Default: ReplicaSet. */
  kind?: ReplicaKind;
  replicaSets: Indexer;
  pods: Indexer;
  expectations: Expectations;
  recorder: EventRecorder;
  clock: Clock;
}

/** The pod a ReplicaSet creates: generateName "<rs>-", the template's labels and spec, a controller reference. */
export function podFromTemplate(owner: KubeObject, ownerApiVersion: string, ownerKind: string, template: Record<string, unknown>): KubeObject {
  const meta = rec(template['metadata']);
  const name = owner.metadata.name ?? '';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${name}-`,
      namespace: owner.metadata.namespace ?? '',
      ...(meta['labels'] ? { labels: structuredClone(meta['labels'] as Record<string, string>) } : {}),
      ...(meta['annotations'] ? { annotations: structuredClone(meta['annotations'] as Record<string, string>) } : {}),
      ...(Array.isArray(meta['finalizers']) ? { finalizers: structuredClone(meta['finalizers'] as string[]) } : {}),
      ownerReferences: [ownerRefTo(owner, ownerApiVersion, ownerKind)],
    },
    spec: structuredClone(rec(template['spec'])),
  };
}

/**
 * Creates pods in doubling batches (1, 2, 4, …) so a failing template costs few requests (slowStartBatch).
 * `count` is taken as a whole number of pods (a fraction or a non-number creates none): every batch creates at
 * least one pod or stops the loop, so no input can make it spin.
 */
export async function slowStartBatch(count: number, create: () => Promise<void>): Promise<{ created: number; error?: unknown }> {
  const total = Number.isFinite(count) ? Math.max(0, Math.floor(count)) : 0;
  let created = 0;
  for (let batch = Math.min(total, 1); created < total && batch >= 1; batch = Math.min(batch * 2, total - created)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, create));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    created += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { created, error: failed.reason };
  }
  return { created };
}

export async function reconcileReplicaSet(key: string, d: ReplicaSetDeps): Promise<ReconcileResult> {
  const rs = d.replicaSets.get(key);
  if (!rs) {
    d.expectations.forget(key);
    return;
  }
  const { namespace } = splitKey(key);
  const kind = d.kind ?? replicaSetKind;
  const spec = specOf(rs);
  const wanted = num(spec['replicas'], 1);
  const minReadySeconds = num(spec['minReadySeconds']);
  const candidates = d.pods.byNamespace(namespace).filter(isPodActive);
  const pods = await claimObjects(candidates, {
    client: d.client,
    owner: rs,
    ownerApiVersion: kind.apiVersion,
    ownerKind: kind.kind,
    selector: kind.selector(spec),
    pathOf: (p) => pathFor(R.pods, namespace, p.metadata.name),
  });

  let manageError: unknown;
  if (d.expectations.satisfied(key) && !rs.metadata.deletionTimestamp) {
    manageError = await manageReplicas(rs, pods, wanted, key, d);
  }

  const now = d.clock.now();
  const templateLabels = rec(rec(spec['template'])['metadata'])['labels'] as Record<string, string> | undefined;
  const status: Record<string, unknown> = {
    replicas: pods.length,
    fullyLabeledReplicas: pods.filter((p) => Object.entries(templateLabels ?? {}).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
    readyReplicas: pods.filter(isPodReady).length,
    availableReplicas: pods.filter((p) => isPodAvailable(p, minReadySeconds, now)).length,
    observedGeneration: rs.metadata.generation ?? 0,
  };
  const conditions = replicaFailureConditions(statusOf(rs), manageError, now);
  if (conditions.length) status['conditions'] = conditions;
  await updateStatus(d.client, rs, status, kind.resource);
  if (manageError) throw manageError;

  const waits = pods.map((p) => msUntilAvailable(p, minReadySeconds, now)).filter((x): x is number => x !== undefined);
  if (waits.length) return { requeueAfterMs: Math.min(...waits) + 1 };
  return undefined;
}

async function manageReplicas(rs: KubeObject, pods: KubeObject[], wanted: number, key: string, d: ReplicaSetDeps): Promise<unknown> {
  const namespace = rs.metadata.namespace ?? '';
  const diff = pods.length - wanted;
  if (diff < 0) {
    const count = Math.min(-diff, burstReplicas);
    d.expectations.expect(key, count, 0);
    const template = rec(specOf(rs)['template']);
    const result = await slowStartBatch(count, async () => {
      try {
        const kind = d.kind ?? replicaSetKind;
        const pod = await d.client.create<KubeObject>(pathFor(R.pods, namespace), podFromTemplate(rs, kind.apiVersion, kind.kind, template));
        d.recorder.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name ?? ''}`);
      } catch (e) {
        d.recorder.event(rs, 'Warning', 'FailedCreate', `Error creating: ${e instanceof Error ? e.message : String(e)}`);
        throw e;
      }
    });
    if (result.created < count) d.expectations.lower(key, count - result.created, 0);
    return result.error;
  }
  if (diff > 0) {
    const victims = [...pods].sort(comparePodsForDeletion).slice(0, Math.min(diff, burstReplicas));
    d.expectations.expect(key, 0, victims.length);
    let error: unknown;
    await Promise.all(
      victims.map(async (pod) => {
        try {
          await d.client.delete(pathFor(R.pods, namespace, pod.metadata.name));
          d.recorder.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name ?? ''}`);
        } catch (e) {
          d.expectations.lower(key, 0, 1);
          if (isNotFound(e)) return;
          d.recorder.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${e instanceof Error ? e.message : String(e)}`);
          error ??= e;
        }
      }),
    );
    return error;
  }
  return undefined;
}

function replicaFailureConditions(old: Record<string, unknown>, error: unknown, now: number): Record<string, unknown>[] {
  const existing = Array.isArray(old['conditions']) ? (old['conditions'] as Record<string, unknown>[]) : [];
  const others = existing.filter((c) => c['type'] !== 'ReplicaFailure');
  if (!error) return others;
  const prior = existing.find((c) => c['type'] === 'ReplicaFailure');
  const message = error instanceof Error ? error.message : String(error);
  return [...others, { type: 'ReplicaFailure', status: 'True', lastTransitionTime: prior?.['lastTransitionTime'] ?? new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'), reason: 'FailedCreate', message }];
}

/** PUTs the status subresource when it differs; one fresh retry on a conflict. */
export async function updateStatus(client: ControllerClient, obj: KubeObject, status: Record<string, unknown>, r = R.replicasets): Promise<void> {
  const clean = Object.fromEntries(Object.entries(status).filter(([, v]) => v !== 0 && v !== undefined));
  if (deepEqual(clean, statusOf(obj))) return;
  const path = pathFor(r, obj.metadata.namespace, obj.metadata.name, 'status');
  try {
    await client.update(path, { ...obj, status: clean });
  } catch (e) {
    if (isNotFound(e)) return;
    if (!isConflict(e)) throw e;
    const fresh = await client.get<KubeObject>(pathFor(r, obj.metadata.namespace, obj.metadata.name));
    await client.update(path, { ...fresh, status: { ...statusOf(fresh), ...clean } });
  }
}


/** Keys of the controllers (of a kind) that might want an orphan pod with these labels. */
function matchingOwners(owners: Indexer, pod: KubeObject, kind: ReplicaKind): string[] {
  return owners
    .byNamespace(pod.metadata.namespace ?? '')
    .filter((o) => selectorMatches(kind.selector(specOf(o)), pod.metadata.labels))
    .map(objectKey);
}

export function startReplicaSetController(ctx: ControllerContext, kind: ReplicaKind = replicaSetKind): Promise<void> {
  const rsInformer = ctx.factory.informerFor({ path: pathFor(kind.resource), indexers: { [ownerUidIndex]: byOwnerUid } });
  const podInformer = ctx.factory.informerFor({ path: pathFor(R.pods), indexers: { [ownerUidIndex]: byOwnerUid } });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  const expectations = new Expectations(ctx.clock);
  const ownerKey = (pod: KubeObject): string | undefined => {
    const ref = controllerRef(pod);
    if (ref?.kind !== kind.kind) return undefined;
    const key = `${pod.metadata.namespace ?? ''}/${ref.name}`;
    return rsInformer.store.get(key)?.metadata.uid === ref.uid ? key : undefined;
  };
  rsInformer.addEventHandler({
    add: (rs) => queue.add(objectKey(rs)),
    update: (_o, rs) => queue.add(objectKey(rs)),
    delete: (rs) => {
      expectations.forget(objectKey(rs));
      queue.add(objectKey(rs));
    },
  });
  podInformer.addEventHandler({
    add(pod) {
      const key = ownerKey(pod);
      if (key) {
        expectations.creationObserved(key);
        queue.add(key);
      } else if (!controllerRef(pod)) for (const k of matchingOwners(rsInformer.store, pod, kind)) queue.add(k);
    },
    update(old, pod) {
      const key = ownerKey(pod);
      const oldKey = ownerKey(old);
      if (oldKey && oldKey !== key) queue.add(oldKey);
      if (key && pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) expectations.deletionObserved(key);
      if (key) queue.add(key);
      else if (!controllerRef(pod)) for (const k of matchingOwners(rsInformer.store, pod, kind)) queue.add(k);
    },
    delete(pod) {
      const key = ownerKey(pod);
      if (!key) return;
      if (!pod.metadata.deletionTimestamp) expectations.deletionObserved(key);
      queue.add(key);
    },
  });
  const deps: ReplicaSetDeps = { client: ctx.client, kind, replicaSets: rsInformer.store, pods: podInformer.store, expectations, recorder: ctx.recorder, clock: ctx.clock };
  return runController({
    name: kind.name,
    informers: [rsInformer, podInformer],
    queue,
    primary: { informer: rsInformer, resource: kind.resource },
    recorder: ctx.recorder,
    reconcile: (key) => reconcileReplicaSet(key, deps),
    workers: ctx.workers ?? 5,
    signal: ctx.signal,
    log: ctx.log,
  });
}
