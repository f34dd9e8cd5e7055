// DaemonSet controller (core behaviour): one pod on every node its nodeSelector and tolerations allow.
// Each pod is pinned with required node affinity on metadata.name (the scheduler binds it), as Kubernetes
// does; pods on nodes that no longer qualify are removed; a template change replaces pods one node at a time.
import type { KubeObject } from '../api/object.js';
import { isNotFound } from '../client/api-error.js';
import { byOwnerUid, objectKey, ownerUidIndex, splitKey, type Indexer } from '../client/informer.js';
import { WorkQueue, type Clock } from '../client/workqueue.js';
import { computeHash } from './deployment/hash.js';
import { controllerRef } from './owner-refs.js';
import { arr, isPodActive, isPodAvailable, isPodReady, num, rec, specOf, str } from '../api/pod-util.js';
import { podFromTemplate, updateStatus } from './replicaset.js';
import { pathFor, R } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import type { ControllerClient, ControllerContext, EventRecorder, ReconcileResult } from '../client/control/types.js';

export interface DaemonSetDeps {
  client: ControllerClient;
  daemonSets: Indexer;
  pods: Indexer;
  nodes: Indexer;
  recorder: EventRecorder;
  clock: Clock;
}

/** Tolerations every daemon pod gets (k8s daemon/util AddOrUpdateDaemonPodTolerations). */
const daemonTolerations = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];

function tolerated(tolerations: Record<string, unknown>[], taint: Record<string, unknown>): boolean {
  return tolerations.some((t) => {
    if (str(t['effect']) && t['effect'] !== taint['effect']) return false;
    if (str(t['operator'], 'Equal') === 'Exists') return !str(t['key']) || t['key'] === taint['key'];
    return t['key'] === taint['key'] && str(t['value']) === str(taint['value']);
  });
}

export function shouldRunOn(ds: KubeObject, node: KubeObject): boolean {
  const podSpec = rec(rec(specOf(ds)['template'])['spec']);
  const labels = node.metadata.labels ?? {};
  if (!Object.entries(rec(podSpec['nodeSelector'])).every(([k, v]) => labels[k] === v)) return false;
  const tolerations = [...arr(podSpec['tolerations']), ...daemonTolerations];
  return arr(specOf(node)['taints']).every((t) => (t['effect'] !== 'NoSchedule' && t['effect'] !== 'NoExecute') || tolerated(tolerations, t));
}

/** The node a daemon pod is for: its nodeName, or the metadata.name its required node affinity pins. */
export function targetNode(pod: KubeObject): string | undefined {
  const nodeName = str(specOf(pod)['nodeName']);
  if (nodeName) return nodeName;
  const terms = arr(rec(rec(rec(specOf(pod)['affinity'])['nodeAffinity'])['requiredDuringSchedulingIgnoredDuringExecution'])['nodeSelectorTerms']);
  for (const t of terms) for (const f of arr(t['matchFields'])) if (f['key'] === 'metadata.name' && Array.isArray(f['values'])) return String(f['values'][0]);
  return undefined;
}

function daemonPod(ds: KubeObject, node: string, hash: string): KubeObject {
  const template = structuredClone(rec(specOf(ds)['template']));
  const meta = rec(template['metadata']);
  template['metadata'] = { ...meta, labels: { ...rec(meta['labels']), 'controller-revision-hash': hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) } };
  const spec = rec(template['spec']);
  const own = arr(spec['tolerations']);
  spec['tolerations'] = [...own, ...daemonTolerations.filter((t) => !own.some((o) => o['key'] === t.key && o['effect'] === t.effect))];
  spec['affinity'] = { ...rec(spec['affinity']), nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } } };
  template['spec'] = spec;
  return podFromTemplate(ds, 'apps/v1', 'DaemonSet', template);
}

export async function reconcileDaemonSet(key: string, d: DaemonSetDeps): Promise<ReconcileResult> {
  const ds = d.daemonSets.get(key);
  if (!ds) return;
  const { namespace } = splitKey(key);
  const hash = computeHash(specOf(ds)['template']);
  const pods = d.pods.byIndex(ownerUidIndex, ds.metadata.uid ?? '').filter((p) => controllerRef(p)?.uid === ds.metadata.uid && isPodActive(p));
  const byNode = new Map<string, KubeObject[]>();
  for (const p of pods) {
    const n = targetNode(p);
    if (n) byNode.set(n, [...(byNode.get(n) ?? []), p]);
  }
  const nodes = d.nodes.list();
  const eligible = new Set(nodes.filter((n) => shouldRunOn(ds, n)).map((n) => n.metadata.name ?? ''));
  const remove = async (p: KubeObject) => {
    try {
      await d.client.delete(pathFor(R.pods, namespace, p.metadata.name));
      d.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name ?? ''}`);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  };
  if (!ds.metadata.deletionTimestamp) {
    for (const node of eligible) {
      const onNode = byNode.get(node) ?? [];
      if (onNode.length === 0) {
        const pod = await d.client.create<KubeObject>(pathFor(R.pods, namespace), daemonPod(ds, node, hash));
        d.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name ?? ''}`);
      }
      for (const extra of onNode.slice(1)) await remove(extra);
    }
    for (const [node, onNode] of byNode) if (!eligible.has(node)) for (const p of onNode) await remove(p);
    // RollingUpdate with maxUnavailable 1: replace one outdated pod while every other is ready.
    const rolling = str(rec(specOf(ds)['updateStrategy'])['type'], 'RollingUpdate') === 'RollingUpdate';
    const current = [...eligible].map((n) => byNode.get(n)?.[0]).filter((p): p is KubeObject => p !== undefined);
    const outdated = current.filter((p) => p.metadata.labels?.['controller-revision-hash'] !== hash);
    if (rolling && outdated[0] && current.length === eligible.size && current.every(isPodReady)) await remove(outdated[0]);
  }
  const scheduled = [...eligible].filter((n) => (byNode.get(n) ?? []).length > 0);
  const minReady = num(specOf(ds)['minReadySeconds']);
  const onEligible = scheduled.map((n) => (byNode.get(n) ?? [])[0] as KubeObject);
  const ready = onEligible.filter(isPodReady).length;
  const available = onEligible.filter((p) => isPodAvailable(p, minReady, d.clock.now())).length;
  await updateStatus(
    d.client,
    ds,
    {
      currentNumberScheduled: scheduled.length,
      desiredNumberScheduled: eligible.size,
      numberMisscheduled: [...byNode.keys()].filter((n) => !eligible.has(n)).length,
      numberReady: ready,
      numberAvailable: available,
      numberUnavailable: Math.max(0, eligible.size - available),
      updatedNumberScheduled: onEligible.filter((p) => p.metadata.labels?.['controller-revision-hash'] === hash).length,
      observedGeneration: ds.metadata.generation ?? 0,
    },
    R.daemonsets,
  );
  return undefined;
}

export function startDaemonSetController(ctx: ControllerContext): Promise<void> {
  const dss = ctx.factory.informerFor({ path: pathFor(R.daemonsets) });
  const pods = ctx.factory.informerFor({ path: pathFor(R.pods), indexers: { [ownerUidIndex]: byOwnerUid } });
  const nodes = ctx.factory.informerFor({ path: pathFor(R.nodes) });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  const all = () => {
    for (const ds of dss.store.list()) queue.add(objectKey(ds));
  };
  const owner = (p: KubeObject) => {
    const ref = controllerRef(p);
    if (ref?.kind === 'DaemonSet') queue.add(`${p.metadata.namespace ?? ''}/${ref.name}`);
  };
  dss.addEventHandler({ add: (s) => queue.add(objectKey(s)), update: (_o, s) => queue.add(objectKey(s)) });
  pods.addEventHandler({ add: owner, update: (_o, p) => owner(p), delete: owner });
  nodes.addEventHandler({
    add: all,
    update: (o, n) => {
      // Heartbeats change only status: labels and taints decide eligibility.
      if (JSON.stringify([o.metadata.labels, specOf(o)['taints']]) !== JSON.stringify([n.metadata.labels, specOf(n)['taints']])) all();
    },
    delete: all,
  });
  const deps: DaemonSetDeps = { client: ctx.client, daemonSets: dss.store, pods: pods.store, nodes: nodes.store, recorder: ctx.recorder, clock: ctx.clock };
  return runController({ name: 'daemonset', informers: [dss, pods, nodes], queue, primary: { informer: dss, resource: R.daemonsets }, recorder: ctx.recorder, reconcile: (k) => reconcileDaemonSet(k, deps), workers: ctx.workers ?? 2, signal: ctx.signal, log: ctx.log });
}
