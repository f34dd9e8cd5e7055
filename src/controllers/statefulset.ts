// StatefulSet controller (core behaviour): pods "<set>-0" … "<set>-(n-1)" with stable names and hostnames,
// created in order and each only once its predecessors are Running and Ready (OrderedReady; Parallel creates
// them all), removed from the highest ordinal down, and replaced one at a time, highest first, when the
// template changes (RollingUpdate). Each pod's claims from volumeClaimTemplates ("<template>-<set>-<ordinal>") are
// created before the pod and kept when it goes (retention Retain). ControllerRevisions are not handled yet.
import type { KubeObject } from '../api/object.js';
import { isAlreadyExists, isNotFound } from '../client/api-error.js';
import { byOwnerUid, objectKey, ownerUidIndex, splitKey, type Indexer } from '../client/informer.js';
import { WorkQueue, type Clock } from '../client/workqueue.js';
import { computeHash } from './deployment/hash.js';
import { controllerRef, ownerRefTo } from './owner-refs.js';
import { isPodAvailable, isPodReady, num, podPhase, rec, specOf, str } from '../api/pod-util.js';
import { updateStatus } from './replicaset.js';
import { pathFor, R } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import type { ControllerClient, ControllerContext, EventRecorder, ReconcileResult } from '../client/control/types.js';

export const revisionLabel = 'controller-revision-hash';
export const podNameLabel = 'statefulset.kubernetes.io/pod-name';
export const podIndexLabel = 'apps.kubernetes.io/pod-index';

export interface StatefulSetDeps {
  client: ControllerClient;
  statefulSets: Indexer;
  pods: Indexer;
  recorder: EventRecorder;
  clock: Clock;
}

export function ordinalOf(setName: string, podName: string): number | undefined {
  if (!podName.startsWith(`${setName}-`)) return undefined;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

const claimTemplates = (set: KubeObject): Record<string, unknown>[] => {
  const v = specOf(set)['volumeClaimTemplates'];
  return Array.isArray(v) ? v.filter((t): t is Record<string, unknown> => typeof t === 'object' && t !== null) : [];
};
const templateName = (t: Record<string, unknown>): string => str(rec(t['metadata'])['name']);
export const claimNameFor = (set: KubeObject, t: Record<string, unknown>, ordinal: number): string => `${templateName(t)}-${set.metadata.name ?? ''}-${ordinal}`;

/** The claims of one ordinal, as volumeClaimTemplates describe them (with the set's selector labels). */
export function statefulClaims(set: KubeObject, ordinal: number): KubeObject[] {
  const selectorLabels = rec(rec(specOf(set)['selector'])['matchLabels']) as Record<string, string>;
  return claimTemplates(set).map((t) => {
    const meta = rec(t['metadata']);
    return {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: claimNameFor(set, t, ordinal),
        namespace: set.metadata.namespace ?? '',
        labels: { ...(rec(meta['labels']) as Record<string, string>), ...selectorLabels },
        ...(meta['annotations'] ? { annotations: structuredClone(meta['annotations'] as Record<string, string>) } : {}),
      },
      spec: structuredClone(rec(t['spec'])),
    };
  });
}

function statefulPod(set: KubeObject, ordinal: number, revision: string): KubeObject {
  const spec = specOf(set);
  const template = structuredClone(rec(spec['template']));
  const meta = rec(template['metadata']);
  const name = `${set.metadata.name ?? ''}-${ordinal}`;
  const podSpec: Record<string, unknown> = { ...rec(template['spec']), hostname: name, ...(str(spec['serviceName']) ? { subdomain: str(spec['serviceName']) } : {}) };
  const templates = claimTemplates(set);
  if (templates.length > 0) {
    // A claim template's volume replaces the pod template's volume of the same name.
    const claimed = new Set(templates.map(templateName));
    const volumes = (Array.isArray(podSpec['volumes']) ? (podSpec['volumes'] as Record<string, unknown>[]) : []).filter((v) => !claimed.has(str(v['name'])));
    podSpec['volumes'] = [...volumes, ...templates.map((t) => ({ name: templateName(t), persistentVolumeClaim: { claimName: claimNameFor(set, t, ordinal) } }))];
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace ?? '',
      labels: { ...(rec(meta['labels']) as Record<string, string>), [revisionLabel]: revision, [podNameLabel]: name, [podIndexLabel]: String(ordinal) },
      ...(meta['annotations'] ? { annotations: structuredClone(meta['annotations'] as Record<string, string>) } : {}),
      ownerReferences: [ownerRefTo(set, 'apps/v1', 'StatefulSet')],
    },
    spec: podSpec,
  };
}

const runningAndReady = (p: KubeObject) => podPhase(p) === 'Running' && isPodReady(p) && !p.metadata.deletionTimestamp;

export async function reconcileStatefulSet(key: string, d: StatefulSetDeps): Promise<ReconcileResult> {
  const set = d.statefulSets.get(key);
  if (!set) return;
  const { namespace, name } = splitKey(key);
  const spec = specOf(set);
  const replicas = num(spec['replicas'], 1);
  const parallel = str(spec['podManagementPolicy']) === 'Parallel';
  const revision = `${name}-${computeHash(spec['template'])}`;
  const pods = new Map<number, KubeObject>();
  for (const p of d.pods.byIndex(ownerUidIndex, set.metadata.uid ?? '')) {
    const ord = controllerRef(p)?.uid === set.metadata.uid ? ordinalOf(name, p.metadata.name ?? '') : undefined;
    if (ord !== undefined) pods.set(ord, p);
  }
  const podPath = (n: string) => pathFor(R.pods, namespace, n);
  const remove = async (p: KubeObject, reason: string) => {
    try {
      await d.client.delete(podPath(p.metadata.name ?? ''));
      d.recorder.event(set, 'Normal', 'SuccessfulDelete', `${reason} Pod ${p.metadata.name ?? ''} in StatefulSet ${name} successful`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  };

  let acted = false;
  if (!set.metadata.deletionTimestamp) {
    // Create missing ordinals in order; OrderedReady waits for each predecessor.
    for (let i = 0; i < replicas; i++) {
      const p = pods.get(i);
      if (!p) {
        for (const claim of statefulClaims(set, i)) {
          try {
            await d.client.create(pathFor(R.persistentvolumeclaims, namespace), claim);
            d.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata.name ?? ''} Pod ${name}-${i} in StatefulSet ${name} success`);
          } catch (e) {
            if (isAlreadyExists(e)) continue;
            d.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${claim.metadata.name ?? ''} for Pod ${name}-${i} in StatefulSet ${name} failed error: ${e instanceof Error ? e.message : String(e)}`);
            throw e;
          }
        }
        try {
          await d.client.create(pathFor(R.pods, namespace), statefulPod(set, i, revision));
          d.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${name}-${i} in StatefulSet ${name} successful`);
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
        }
        acted = true;
        if (!parallel) break;
        continue;
      }
      if (podPhase(p) === 'Failed' || podPhase(p) === 'Succeeded') {
        await remove(p, 'delete');
        acted = true;
        if (!parallel) break;
      }
      if (!parallel && !runningAndReady(p)) {
        acted = true;
        break;
      }
    }
    // Scale down from the highest ordinal, one at a time unless Parallel.
    if (!acted) {
      const extra = [...pods.keys()].filter((i) => i >= replicas).sort((a, b) => b - a);
      for (const i of extra) {
        const p = pods.get(i) as KubeObject;
        if (!p.metadata.deletionTimestamp) await remove(p, 'delete');
        acted = true;
        if (!parallel) break;
      }
    }
    // Rolling update: replace the highest-ordinal pod still on an old revision once all are ready.
    const rolling = str(rec(spec['updateStrategy'])['type'], 'RollingUpdate') === 'RollingUpdate';
    if (!acted && rolling && [...pods.values()].every(runningAndReady)) {
      const partition = num(rec(rec(spec['updateStrategy'])['rollingUpdate'])['partition']);
      const stale = [...pods.entries()].filter(([i, p]) => i >= partition && i < replicas && p.metadata.labels?.[revisionLabel] !== revision).sort((a, b) => b[0] - a[0]);
      const first = stale[0];
      if (first) await remove(first[1], 'delete');
    }
  }

  const current = [...pods.values()].filter((p) => !p.metadata.deletionTimestamp);
  const minReady = num(spec['minReadySeconds']);
  const updated = current.filter((p) => p.metadata.labels?.[revisionLabel] === revision).length;
  await updateStatus(
    d.client,
    set,
    {
      observedGeneration: set.metadata.generation ?? 0,
      replicas: current.length,
      readyReplicas: current.filter(isPodReady).length,
      currentReplicas: updated,
      updatedReplicas: updated,
      availableReplicas: current.filter((p) => isPodAvailable(p, minReady, d.clock.now())).length,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    },
    R.statefulsets,
  );
  return undefined;
}

export function startStatefulSetController(ctx: ControllerContext): Promise<void> {
  const sets = ctx.factory.informerFor({ path: pathFor(R.statefulsets) });
  const pods = ctx.factory.informerFor({ path: pathFor(R.pods), indexers: { [ownerUidIndex]: byOwnerUid } });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  const owner = (p: KubeObject) => {
    const ref = controllerRef(p);
    if (ref?.kind === 'StatefulSet') queue.add(`${p.metadata.namespace ?? ''}/${ref.name}`);
  };
  sets.addEventHandler({ add: (s) => queue.add(objectKey(s)), update: (_o, s) => queue.add(objectKey(s)) });
  pods.addEventHandler({ add: owner, update: (_o, p) => owner(p), delete: owner });
  const deps: StatefulSetDeps = { client: ctx.client, statefulSets: sets.store, pods: pods.store, recorder: ctx.recorder, clock: ctx.clock };
  return runController({ name: 'statefulset', informers: [sets, pods], queue, primary: { informer: sets, resource: R.statefulsets }, recorder: ctx.recorder, reconcile: (k) => reconcileStatefulSet(k, deps), workers: ctx.workers ?? 5, signal: ctx.signal, log: ctx.log });
}
