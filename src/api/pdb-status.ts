// PodDisruptionBudget status facts that both the eviction API and the disruption controller apply.
import type { KubeObject } from './object.js';
import { isRecord } from './object.js';

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const conditionsOf = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.filter(isRecord) : []);
const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export const rfc3339Seconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface ConditionUpdate {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration: number;
}

/** apimeta.SetStatusCondition: replaces the condition of that type; the transition time moves only when its status does. */
export function setCondition(conditions: readonly Record<string, unknown>[], next: ConditionUpdate, now: number): Record<string, unknown>[] {
  const existing = conditions.find((c) => c['type'] === next.type);
  const kept = existing && existing['status'] === next.status && typeof existing['lastTransitionTime'] === 'string' ? existing['lastTransitionTime'] : undefined;
  const cond = { type: next.type, status: next.status, observedGeneration: next.observedGeneration, lastTransitionTime: kept ?? rfc3339Seconds(now), reason: next.reason, message: next.message };
  return existing ? conditions.map((c) => (c === existing ? cond : c)) : [...conditions, cond];
}

/** The DisruptionAllowed condition as status.disruptionsAllowed says: SufficientPods or InsufficientPods. */
export function withDisruptionAllowedCondition(status: Record<string, unknown>, now: number): Record<string, unknown>[] {
  const allowed = int(status['disruptionsAllowed']) > 0;
  return setCondition(
    conditionsOf(status['conditions']),
    { type: 'DisruptionAllowed', status: allowed ? 'True' : 'False', reason: allowed ? 'SufficientPods' : 'InsufficientPods', message: '', observedGeneration: int(status['observedGeneration']) },
    now,
  );
}

/** The condition already says what the allowance and observed generation say (ConditionsAreUpToDate). */
export function disruptionConditionUpToDate(pdb: KubeObject): boolean {
  const status = rec(pdb['status']);
  const cond = conditionsOf(status['conditions']).find((c) => c['type'] === 'DisruptionAllowed');
  if (!cond || int(cond['observedGeneration']) !== int(status['observedGeneration'])) return false;
  return int(status['disruptionsAllowed']) > 0
    ? cond['status'] === 'True' && cond['reason'] === 'SufficientPods'
    : cond['status'] === 'False' && cond['reason'] === 'InsufficientPods';
}
