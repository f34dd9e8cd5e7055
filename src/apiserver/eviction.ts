// pods/eviction: delete a pod only if its PodDisruptionBudget allows it (pkg/registry/core/pod/storage/eviction.go).
// The budget's allowance is spent in the same compare-and-swap that records the pod in status.disruptedPods,
// so two evictions racing for the last allowed disruption cannot both succeed.
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';
import { rfc3339Seconds, withDisruptionAllowedCondition } from '../api/pdb-status.js';
import { selectorMatcher } from '../api/selectors/spec-match.js';
import { errors, StatusError, successStatus } from '../api/status.js';
import type { Store } from '../registry/store.js';
import type { DeleteOptions } from '../registry/store-types.js';
import { checkNamespace, decodeObject } from './body.js';
import { deleteOptions } from './query.js';
import { jsonResponse } from './responses.js';
import type { ResourceScope } from './scope.js';
import type { ApiResponse } from './types.js';

const evictionKind = { group: 'policy', version: 'v1', kind: 'Eviction' };
/** More recorded disruptions than this means the disruption controller is not keeping up: refuse. */
const maxDisruptedPods = 2000;
const violation = "Cannot evict pod as it would violate the pod's disruption budget.";

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function isReady(pod: KubeObject): boolean {
  const conditions = Array.isArray(rec(pod['status'])['conditions']) ? (rec(pod['status'])['conditions'] as unknown[]) : [];
  return conditions.some((c) => isRecord(c) && c['type'] === 'Ready' && c['status'] === 'True');
}

/** Finished, not yet started, or already going: its disruption has happened or cannot happen, budgets do not apply. */
function budgetsDoNotApply(pod: KubeObject): boolean {
  const phase = rec(pod['status'])['phase'];
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata.deletionTimestamp;
}

/** Budgets selecting the pod; a nil or empty selector selects nothing here, whatever the controller counts. */
function budgetsFor(pod: KubeObject, budgets: readonly Readonly<KubeObject>[]): Readonly<KubeObject>[] {
  return budgets.filter((pdb) => {
    const selector = rec(pdb['spec'])['selector'];
    const s = rec(selector);
    const empty = Object.keys(rec(s['matchLabels'])).length === 0 && (!Array.isArray(s['matchExpressions']) || s['matchExpressions'].length === 0);
    return isRecord(selector) && !empty && selectorMatcher(selector)(pod.metadata.labels);
  });
}

function budgetError(cause: string): StatusError {
  return errors.tooManyRequests(violation, [{ reason: 'DisruptionBudget', message: cause }]);
}

/** Spends one disruption of the budget for the pod (or only checks, on a dry run); throws 429/403 when it may not. */
async function spendDisruption(pdbs: Store, pdb: Readonly<KubeObject>, podName: string, now: Date, dryRun: boolean): Promise<void> {
  const check = (current: KubeObject) => {
    const name = current.metadata.name ?? '';
    const status = rec(current['status']);
    if (int(status['observedGeneration']) < (current.metadata.generation ?? 0)) throw budgetError(`The disruption budget ${name} is still being processed by the server.`);
    const allowed = int(status['disruptionsAllowed']);
    const gr = { group: 'policy', resource: 'poddisruptionbudget' };
    if (allowed < 0) throw errors.forbidden(gr, name, 'pdb disruptions allowed is negative');
    if (Object.keys(rec(status['disruptedPods'])).length > maxDisruptedPods) {
      throw errors.forbidden(gr, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
    }
    if (allowed === 0) {
      throw budgetError(`The disruption budget ${name} needs ${int(status['desiredHealthy'])} healthy pods and has ${int(status['currentHealthy'])} currently`);
    }
    const next: Record<string, unknown> = { ...status, disruptionsAllowed: allowed - 1 };
    if (allowed - 1 === 0) next['conditions'] = withDisruptionAllowedCondition(next, now.getTime());
    next['disruptedPods'] = { ...rec(status['disruptedPods']), [podName]: rfc3339Seconds(now.getTime()) };
    current['status'] = next;
    return current;
  };
  if (dryRun) {
    check(structuredClone(pdb) as KubeObject);
    return;
  }
  await pdbs.update(pdb.metadata.namespace ?? '', pdb.metadata.name ?? '', (current) => {
    if (!current) throw errors.notFound({ group: 'policy', resource: 'poddisruptionbudgets' }, pdb.metadata.name ?? '');
    return check(current);
  }, { subresource: 'status', raw: true, retryOnConflict: true });
}

/**
 * The DisruptionTarget condition says why the pod is going before it goes (as the eviction API writes it).
 * The delete's preconditions are checked against the pod here; returns the pod's new resourceVersion.
 */
async function markDisruptionTarget(pods: Store, namespace: string, name: string, now: Date, pre: DeleteOptions['preconditions']): Promise<string> {
  const gr = { group: '', resource: 'pods' };
  const { object } = await pods.update(namespace, name, (pod) => {
    if (!pod) throw errors.notFound(gr, name);
    if (pre?.uid && pre.uid !== pod.metadata.uid) {
      throw errors.conflict(gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${pod.metadata.uid ?? ''}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== pod.metadata.resourceVersion) {
      throw errors.conflict(gr, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${pod.metadata.resourceVersion ?? ''}`);
    }
    const status = rec(pod['status']);
    const conditions = (Array.isArray(status['conditions']) ? status['conditions'] : []).filter((c: unknown) => !(isRecord(c) && c['type'] === 'DisruptionTarget'));
    conditions.push({ type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339Seconds(now.getTime()), reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' });
    pod['status'] = { ...status, conditions };
    return pod;
  }, { subresource: 'status', raw: true, retryOnConflict: true });
  return object.metadata.resourceVersion ?? '';
}

/** POST .../pods/<name>/eviction with a policy/v1 Eviction. */
export async function handleEviction(s: ResourceScope, pdbs: Store): Promise<ApiResponse> {
  const eviction = await decodeObject(s.req, evictionKind);
  checkNamespace(eviction, s.resource, s.info.namespace);
  const name = s.info.urlName;
  if ((eviction.metadata.name ?? '') !== name) throw errors.badRequest('name in URL does not match name in Eviction object');
  const opts = deleteOptions(eviction['deleteOptions'], s.info.query);
  const dryRun = opts.dryRun === true;
  const namespace = s.info.namespace;
  const pod = (await s.store.get(namespace, name)) as KubeObject;
  const now = s.now();

  if (!budgetsDoNotApply(pod)) {
    const { items } = await pdbs.list(namespace);
    const matching = budgetsFor(pod, items);
    if (matching.length > 1) {
      throw errors.internal(new Error('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.'));
    }
    const pdb = matching[0];
    if (pdb) {
      const status = rec(pdb['status']);
      const policy = rec(pdb['spec'])['unhealthyPodEvictionPolicy'];
      // An unready pod adds nothing to the budget: it may go when the policy says always, or when the budget is met.
      const unhealthyMayGo =
        !isReady(pod) && (policy === 'AlwaysAllow' || (int(status['currentHealthy']) >= int(status['desiredHealthy']) && int(status['desiredHealthy']) > 0));
      if (unhealthyMayGo) {
        opts.preconditions = { ...(opts.preconditions ?? {}), resourceVersion: pod.metadata.resourceVersion ?? '' };
      } else {
        await spendDisruption(pdbs, pdb, name, now, dryRun);
      }
    }
  }
  if (!dryRun) {
    const rv = await markDisruptionTarget(s.store, namespace, name, now, opts.preconditions);
    // The condition moved the resourceVersion on; a precondition on it now names the pod as just written.
    if (opts.preconditions?.resourceVersion) opts.preconditions = { ...opts.preconditions, resourceVersion: rv };
    await s.store.delete(namespace, name, opts);
  }
  return jsonResponse(201, { ...successStatus(), code: 201 });
}
