// The disruption controller: for each PodDisruptionBudget, how many of its pods are expected and healthy,
// and so how many may be disrupted now (status.disruptionsAllowed, the DisruptionAllowed condition).
// The eviction subresource spends that allowance and records the pods it let go in status.disruptedPods;
// this loop forgets them once they are being deleted, or after two minutes if they never were.
import type { KubeObject } from '../api/object.js';
import { isConflict } from '../client/api-error.js';
import { objectKey, type Indexer } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import { arr, isPodReady, num, rec, specOf, statusOf, str } from '../api/pod-util.js';
import { deepEqual } from '../api/deep-equal.js';
import { disruptionConditionUpToDate, setCondition, withDisruptionAllowedCondition } from '../api/pdb-status.js';
import { selectorMatcher, selectorMatches } from '../api/selectors/spec-match.js';
import { pathFor, R } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import type { ControllerClient, ControllerContext, EventRecorder, ReconcileResult } from '../client/control/types.js';
import { controllerRef } from './owner-refs.js';

/** How long a pod the eviction API let go may stay undeleted before it counts again. */
export const deletionTimeoutMs = 2 * 60_000;

export interface DisruptionDeps {
  client: ControllerClient;
  recorder: EventRecorder;
  now: () => number;
  pdbs: Indexer;
  pods: Indexer;
  replicasets: Indexer;
  deployments: Indexer;
  statefulsets: Indexer;
  replicationcontrollers: Indexer;
}

/** intstr.GetScaledValueFromIntOrPercent with rounding up. */
export function scaledValue(v: unknown, total: number): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(str(v));
  if (!m) throw new Error(`invalid value for IntOrString: invalid value ${JSON.stringify(v)}`);
  return Math.ceil((Number(m[1]) * total) / 100);
}

function sameObject(obj: KubeObject | undefined, uid: string): KubeObject | undefined {
  return obj && obj.metadata.uid === uid ? obj : undefined;
}

/** The controller (and its scale) behind a pod's controllerRef: Deployment through its ReplicaSet, or RS, RC, StatefulSet. */
function scaleOf(d: DisruptionDeps, ref: { apiVersion: string; kind: string; name: string; uid: string }, namespace: string): { uid: string; scale: number } | undefined {
  const key = `${namespace}/${ref.name}`;
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  if (group === 'apps' && ref.kind === 'ReplicaSet') {
    const rs = sameObject(d.replicasets.get(key), ref.uid);
    if (!rs) return undefined;
    const owner = controllerRef(rs);
    if (owner && owner.kind === 'Deployment' && owner.apiVersion.startsWith('apps/')) {
      const deploy = sameObject(d.deployments.get(`${namespace}/${owner.name}`), owner.uid);
      if (deploy) return { uid: owner.uid, scale: num(specOf(deploy)['replicas'], 1) };
      return undefined;
    }
    return { uid: ref.uid, scale: num(specOf(rs)['replicas'], 1) };
  }
  const byKind: Record<string, Indexer | undefined> = {
    'apps/StatefulSet': d.statefulsets,
    '/ReplicationController': d.replicationcontrollers,
    'apps/Deployment': d.deployments,
  };
  const owner = sameObject(byKind[`${group}/${ref.kind}`]?.get(key), ref.uid);
  return owner ? { uid: ref.uid, scale: num(specOf(owner)['replicas'], 1) } : undefined;
}

interface Expected {
  expectedCount: number;
  desiredHealthy: number;
  unmanaged: string[];
}

function expectedScale(d: DisruptionDeps, pods: KubeObject[]): { count: number; unmanaged: string[] } {
  const scales = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    const ref = controllerRef(pod);
    if (!ref) {
      unmanaged.push(pod.metadata.name ?? '');
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = scaleOf(d, ref, pod.metadata.namespace ?? '');
    if (!found) throw new Error(`found no controllers for pod ${JSON.stringify(pod.metadata.name ?? '')}`);
    scales.set(found.uid, found.scale);
  }
  let count = 0;
  for (const s of scales.values()) count += s;
  return { count, unmanaged };
}

export function expectedPodCount(d: DisruptionDeps, spec: Record<string, unknown>, pods: KubeObject[]): Expected {
  if (spec['maxUnavailable'] !== undefined && spec['maxUnavailable'] !== null) {
    const { count, unmanaged } = expectedScale(d, pods);
    const desired = count - scaledValue(spec['maxUnavailable'], count);
    return { expectedCount: count, desiredHealthy: Math.max(0, desired), unmanaged };
  }
  const min = spec['minAvailable'];
  if (typeof min === 'number') return { expectedCount: pods.length, desiredHealthy: min, unmanaged: [] };
  if (typeof min === 'string') {
    const { count, unmanaged } = expectedScale(d, pods);
    return { expectedCount: count, desiredHealthy: scaledValue(min, count), unmanaged };
  }
  return { expectedCount: 0, desiredHealthy: 0, unmanaged: [] };
}

/** The disrupted pods still expected to go, and when the earliest of them stops being expected. */
function disruptedPodMap(d: DisruptionDeps, pdb: KubeObject, pods: KubeObject[], now: number): { map: Record<string, string>; recheckAt?: number } {
  const recorded = rec(statusOf(pdb)['disruptedPods']);
  const map: Record<string, string> = {};
  let recheckAt: number | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const name = pod.metadata.name ?? '';
    if (!Object.prototype.hasOwnProperty.call(recorded, name)) continue;
    const at = Date.parse(str(recorded[name]));
    const expectedBy = (Number.isFinite(at) ? at : 0) + deletionTimeoutMs;
    if (expectedBy < now) {
      d.recorder.event(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata.namespace ?? ''}/${pdb.metadata.name ?? ''} to be deleted but it wasn't`);
      continue;
    }
    map[name] = str(recorded[name]);
    if (recheckAt === undefined || expectedBy < recheckAt) recheckAt = expectedBy;
  }
  return recheckAt === undefined ? { map } : { map, recheckAt };
}

function countHealthy(pods: KubeObject[], disrupted: Record<string, string>, now: number): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const name = pod.metadata.name ?? '';
    if (Object.prototype.hasOwnProperty.call(disrupted, name) && Date.parse(disrupted[name] ?? '') + deletionTimeoutMs > now) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

async function writeStatus(d: DisruptionDeps, pdb: KubeObject, status: Record<string, unknown>): Promise<void> {
  const body: KubeObject = { ...structuredClone(pdb), status };
  await d.client.update(pathFor(R.poddisruptionbudgets, pdb.metadata.namespace, pdb.metadata.name, 'status'), body);
}

function describeSelector(selector: unknown): string {
  const s = rec(selector);
  const labels = Object.entries(rec(s['matchLabels'])).map(([k, v]) => `${k}: ${str(v)},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{},}`;
}

async function trySync(d: DisruptionDeps, pdb: KubeObject): Promise<ReconcileResult> {
  const namespace = pdb.metadata.namespace ?? '';
  const spec = specOf(pdb);
  const matches = selectorMatcher(spec['selector']);
  const pods = d.pods.byNamespace(namespace).filter((p) => matches(p.metadata.labels));
  if (pods.length === 0) d.recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
  let expected: Expected;
  try {
    expected = expectedPodCount(d, spec, pods);
  } catch (e) {
    d.recorder.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  }
  if (expected.unmanaged.length > 0) {
    d.recorder.event(
      pdb,
      'Warning',
      'UnmanagedPods',
      `Pods selected by this PodDisruptionBudget (selector: ${describeSelector(spec['selector'])}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
    );
  }
  const now = d.now();
  const { map: disruptedPods, recheckAt } = disruptedPodMap(d, pdb, pods, now);
  const currentHealthy = countHealthy(pods, disruptedPods, now);
  let disruptionsAllowed = currentHealthy - expected.desiredHealthy;
  if (expected.expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;

  const old = statusOf(pdb);
  const generation = pdb.metadata.generation ?? 0;
  const upToDate =
    num(old['currentHealthy']) === currentHealthy &&
    num(old['desiredHealthy']) === expected.desiredHealthy &&
    num(old['expectedPods']) === expected.expectedCount &&
    num(old['disruptionsAllowed']) === disruptionsAllowed &&
    deepEqual(rec(old['disruptedPods']), disruptedPods) &&
    num(old['observedGeneration']) === generation &&
    disruptionConditionUpToDate(pdb);
  if (!upToDate) {
    const status: Record<string, unknown> = {
      ...(Object.keys(disruptedPods).length > 0 ? { disruptedPods } : {}),
      disruptionsAllowed,
      currentHealthy,
      desiredHealthy: expected.desiredHealthy,
      expectedPods: expected.expectedCount,
      observedGeneration: generation,
      conditions: arr(old['conditions']),
    };
    status['conditions'] = withDisruptionAllowedCondition(status, now);
    await writeStatus(d, pdb, status);
  }
  return recheckAt === undefined ? undefined : { requeueAfterMs: Math.max(0, recheckAt - now) };
}

/** When the status cannot be computed, at least allow no disruption (the eviction API then refuses). */
async function failSafe(d: DisruptionDeps, pdb: KubeObject, err: unknown): Promise<void> {
  const old = statusOf(pdb);
  const status: Record<string, unknown> = { ...structuredClone(old), disruptionsAllowed: 0 };
  status['conditions'] = setCondition(
    arr(old['conditions']),
    { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: err instanceof Error ? err.message : String(err), observedGeneration: num(old['observedGeneration']) },
    d.now(),
  );
  await writeStatus(d, pdb, status);
}

export async function reconcileDisruption(key: string, d: DisruptionDeps): Promise<ReconcileResult> {
  const pdb = d.pdbs.get(key);
  if (!pdb) return undefined;
  try {
    return await trySync(d, pdb);
  } catch (e) {
    if (isConflict(e)) throw e;
    await failSafe(d, pdb, e);
    return undefined;
  }
}

export function startDisruptionController(ctx: ControllerContext): Promise<void> {
  const pdbInf = ctx.factory.informerFor({ path: pathFor(R.poddisruptionbudgets) });
  const podInf = ctx.factory.informerFor({ path: pathFor(R.pods) });
  const rsInf = ctx.factory.informerFor({ path: pathFor(R.replicasets) });
  const deployInf = ctx.factory.informerFor({ path: pathFor(R.deployments) });
  const stsInf = ctx.factory.informerFor({ path: pathFor(R.statefulsets) });
  const rcInf = ctx.factory.informerFor({ path: pathFor(R.replicationcontrollers) });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  const budgetsFor = (pod: KubeObject) => {
    for (const pdb of pdbInf.store.byNamespace(pod.metadata.namespace ?? '')) {
      if (selectorMatches(specOf(pdb)['selector'], pod.metadata.labels)) queue.add(objectKey(pdb));
    }
  };
  pdbInf.addEventHandler({ add: (p) => queue.add(objectKey(p)), update: (_o, p) => queue.add(objectKey(p)) });
  podInf.addEventHandler({ add: budgetsFor, update: (o, n) => (budgetsFor(o), budgetsFor(n)), delete: budgetsFor });
  const deps: DisruptionDeps = {
    client: ctx.client,
    recorder: ctx.recorder,
    now: () => ctx.clock.now(),
    pdbs: pdbInf.store,
    pods: podInf.store,
    replicasets: rsInf.store,
    deployments: deployInf.store,
    statefulsets: stsInf.store,
    replicationcontrollers: rcInf.store,
  };
  return runController({
    name: 'disruption',
    informers: [pdbInf, podInf, rsInf, deployInf, stsInf, rcInf],
    queue,
    primary: { informer: pdbInf, resource: R.poddisruptionbudgets },
    recorder: ctx.recorder,
    reconcile: (k) => reconcileDisruption(k, deps),
    workers: ctx.workers ?? 2,
    signal: ctx.signal,
    log: ctx.log,
  });
}
