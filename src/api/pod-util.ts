// Facts about pods that several controllers need: active, ready, available, and kubelet-style accessors.
import { getOwn } from './own.js';
import type { KubeObject } from './object.js';
import { isRecord } from './object.js';

export function rec(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

export function arr(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

export const specOf = (o: KubeObject): Record<string, unknown> => rec(o['spec']);
export const statusOf = (o: KubeObject): Record<string, unknown> => rec(o['status']);

export function num(v: unknown, dflt = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}

export function str(v: unknown, dflt = ''): string {
  return typeof v === 'string' ? v : dflt;
}

export function podPhase(pod: KubeObject): string {
  return str(statusOf(pod)['phase'], 'Pending');
}

/** Not finished and not being deleted (FilterActivePods). */
export function isPodActive(pod: KubeObject): boolean {
  const phase = podPhase(pod);
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

export function podCondition(pod: KubeObject, type: string): Record<string, unknown> | undefined {
  return arr(statusOf(pod)['conditions']).find((c) => c['type'] === type);
}

export function isPodReady(pod: KubeObject): boolean {
  return podCondition(pod, 'Ready')?.['status'] === 'True';
}

/** Ready for at least minReadySeconds (IsPodAvailable). */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = Date.parse(str(podCondition(pod, 'Ready')?.['lastTransitionTime']));
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= now;
}

/** How long until a ready pod becomes available, or undefined when it already is or is not ready. */
export function msUntilAvailable(pod: KubeObject, minReadySeconds: number, now: number): number | undefined {
  if (!isPodReady(pod) || minReadySeconds <= 0) return undefined;
  const since = Date.parse(str(podCondition(pod, 'Ready')?.['lastTransitionTime']));
  if (!Number.isFinite(since)) return undefined;
  const left = since + minReadySeconds * 1000 - now;
  return left > 0 ? left : undefined;
}

const phaseRank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function restarts(pod: KubeObject): number {
  return arr(statusOf(pod)['containerStatuses']).reduce((n, c) => n + num(c['restartCount']), 0);
}

/** Orders pods so the ones to delete first come first (k8s ActivePods ordering). */
export function comparePodsForDeletion(a: KubeObject, b: KubeObject): number {
  const nodeA = str(specOf(a)['nodeName']) !== '';
  const nodeB = str(specOf(b)['nodeName']) !== '';
  if (nodeA !== nodeB) return nodeA ? 1 : -1;
  const pa = getOwn(phaseRank, podPhase(a)) ?? 1;
  const pb = getOwn(phaseRank, podPhase(b)) ?? 1;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  if (ra && rb) {
    const ta = str(podCondition(a, 'Ready')?.['lastTransitionTime']);
    const tb = str(podCondition(b, 'Ready')?.['lastTransitionTime']);
    if (ta !== tb) return ta > tb ? -1 : 1; // ready more recently goes first
  }
  const rsA = restarts(a);
  const rsB = restarts(b);
  if (rsA !== rsB) return rsB - rsA;
  const ca = a.metadata.creationTimestamp ?? '';
  const cb = b.metadata.creationTimestamp ?? '';
  if (ca !== cb) return ca > cb ? -1 : 1; // newer first
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}
