// Deployment helpers (k8s deployment/util): surge/unavailable arithmetic, revisions, template equality,
// conditions with Kubernetes' reasons and messages.
import type { KubeObject } from '../../api/object.js';
import { num, rec, specOf, statusOf, str } from '../../api/pod-util.js';
import { canonicalJson } from './hash.js';

export const revisionAnnotation = 'deployment.kubernetes.io/revision';
export const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';
export const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
export const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';
export const podTemplateHashLabel = 'pod-template-hash';

/** Annotations a Deployment does not pass on to its ReplicaSets. */
const notCopied = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  revisionAnnotation,
  revisionHistoryAnnotation,
  desiredReplicasAnnotation,
  maxReplicasAnnotation,
  'deprecated.deployment.rollback.to',
]);

export function copiedAnnotations(d: KubeObject): Record<string, string> {
  return Object.fromEntries(Object.entries(d.metadata.annotations ?? {}).filter(([k]) => !notCopied.has(k)));
}

export const replicasOf = (o: KubeObject): number => num(specOf(o)['replicas'], 1);
export const rsReplicas = (rs: KubeObject): number => num(specOf(rs)['replicas'], 1);

export function revisionOf(o: KubeObject): number {
  const v = Number(o.metadata.annotations?.[revisionAnnotation] ?? '0');
  return Number.isInteger(v) ? v : 0;
}

/** An int or a percentage of `total`, rounded up (surge) or down (unavailable). */
export function intOrPercent(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const m = /^(\d+)%$/.exec(v);
    if (m) {
      const x = (Number(m[1]) * total) / 100;
      return roundUp ? Math.ceil(x) : Math.floor(x);
    }
    const n = Number(v);
    if (Number.isInteger(n)) return n;
  }
  return 0;
}

export function isRollingUpdate(d: KubeObject): boolean {
  return str(rec(specOf(d)['strategy'])['type'], 'RollingUpdate') === 'RollingUpdate';
}

/** ResolveFenceposts: (maxSurge, maxUnavailable); both zero becomes unavailable 1. */
export function fenceposts(d: KubeObject): { surge: number; unavailable: number } {
  if (!isRollingUpdate(d)) return { surge: 0, unavailable: 0 };
  const ru = rec(rec(specOf(d)['strategy'])['rollingUpdate']);
  const replicas = replicasOf(d);
  const surge = intOrPercent(ru['maxSurge'] ?? '25%', replicas, true);
  let unavailable = intOrPercent(ru['maxUnavailable'] ?? '25%', replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export const maxSurge = (d: KubeObject): number => fenceposts(d).surge;

export function maxUnavailable(d: KubeObject): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(fenceposts(d).unavailable, replicas);
}

function templateWithoutHash(template: unknown): unknown {
  const t = structuredClone(rec(template));
  const meta = rec(t['metadata']);
  const labels = { ...rec(meta['labels']) };
  delete labels[podTemplateHashLabel];
  t['metadata'] = Object.fromEntries(Object.entries({ ...meta, labels }).filter(([, v]) => v !== null));
  if (Object.keys(labels).length === 0) delete (t['metadata'] as Record<string, unknown>)['labels'];
  if (Object.keys(t['metadata'] as object).length === 0) delete t['metadata'];
  return t;
}

/** EqualIgnoreHash: the same template apart from the pod-template-hash label. */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  return canonicalJson(templateWithoutHash(a)) === canonicalJson(templateWithoutHash(b));
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export function conditionsOf(status: Record<string, unknown>): Condition[] {
  return Array.isArray(status['conditions']) ? structuredClone(status['conditions'] as Condition[]) : [];
}

export function getCondition(status: Record<string, unknown>, type: string): Condition | undefined {
  return conditionsOf(status).find((c) => c.type === type);
}

export function newCondition(type: string, status: Condition['status'], reason: string, message: string, now: string): Condition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/** SetDeploymentCondition: no-op when status and reason are unchanged; keeps the transition time when status is. */
export function setCondition(status: Record<string, unknown>, c: Condition): void {
  const list = conditionsOf(status);
  const cur = list.find((x) => x.type === c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  if (cur && cur.status === c.status) c.lastTransitionTime = cur.lastTransitionTime;
  status['conditions'] = [...list.filter((x) => x.type !== c.type), c];
}

export function removeCondition(status: Record<string, unknown>, type: string): void {
  const list = conditionsOf(status).filter((c) => c.type !== type);
  if (list.length) status['conditions'] = list;
  else delete status['conditions'];
}

export const hasProgressDeadline = (d: KubeObject): boolean => {
  const v = specOf(d)['progressDeadlineSeconds'];
  return typeof v === 'number' && v < 2147483647;
};

export function deploymentComplete(d: KubeObject, s: Record<string, unknown>): boolean {
  const r = replicasOf(d);
  return num(s['updatedReplicas']) === r && num(s['replicas']) === r && num(s['availableReplicas']) === r && num(s['observedGeneration']) >= (d.metadata.generation ?? 0);
}

export function deploymentProgressing(d: KubeObject, s: Record<string, unknown>): boolean {
  const old = statusOf(d);
  const oldOld = num(old['replicas']) - num(old['updatedReplicas']);
  const newOld = num(s['replicas']) - num(s['updatedReplicas']);
  return (
    num(s['updatedReplicas']) > num(old['updatedReplicas']) ||
    newOld < oldOld ||
    num(s['readyReplicas']) > num(old['readyReplicas']) ||
    num(s['availableReplicas']) > num(old['availableReplicas'])
  );
}

export function deploymentTimedOut(d: KubeObject, s: Record<string, unknown>, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, 'Progressing');
  if (!c || c.reason === 'NewReplicaSetAvailable') return false;
  if (c.reason === 'ProgressDeadlineExceeded') return true;
  return Date.parse(c.lastUpdateTime) + num(specOf(d)['progressDeadlineSeconds']) * 1000 < now;
}
