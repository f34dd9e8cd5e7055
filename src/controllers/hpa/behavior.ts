// The HPA's memory between reconciles and what it does with it: recent recommendations (stabilization windows)
// and recent scale events (the rate limits of `behavior` policies), kept per HPA in the controller's process.
import type { LabelSelector } from '../../api/selectors/index.js';
import { asObj, num, objects, str, type Obj } from '../../registry/fields.js';

/** --horizontal-pod-autoscaler-downscale-stabilization: the window when an HPA sets none. */
export const defaultDownscaleStabilizationMs = 5 * 60_000;

interface Recommendation {
  replicas: number;
  atMs: number;
}

interface ScaleEvent {
  change: number;
  atMs: number;
  outdated: boolean;
}

export interface Limited {
  replicas: number;
  reason: string;
  message: string;
}

const withinRange: Omit<Limited, 'replicas'> = { reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
const tooFew: Omit<Limited, 'replicas'> = { reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
const tooMany: Omit<Limited, 'replicas'> = { reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count' };
const upLimit: Omit<Limited, 'replicas'> = { reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' };
const downLimit: Omit<Limited, 'replicas'> = { reason: 'ScaleDownLimit', message: 'the desired replica count is decreasing faster than the maximum scale rate' };

export interface Rules {
  stabilizationWindowSeconds: number;
  selectPolicy: string;
  policies: { type: string; value: number; periodSeconds: number }[];
}

export function rulesOf(v: unknown, defaultWindowSeconds: number): Rules {
  const o: Obj = asObj(v) ?? {};
  return {
    stabilizationWindowSeconds: num(o.stabilizationWindowSeconds) ?? defaultWindowSeconds,
    selectPolicy: str(o.selectPolicy) || 'Max',
    policies: objects(o.policies).map((p) => ({ type: str(p.type), value: num(p.value) ?? 0, periodSeconds: num(p.periodSeconds) ?? 0 })),
  };
}

export class HpaMemory {
  readonly #recommendations = new Map<string, Recommendation[]>();
  readonly #scaleUps = new Map<string, ScaleEvent[]>();
  readonly #scaleDowns = new Map<string, ScaleEvent[]>();
  /** Each HPA's last valid target selector (namespace/name → selector), to find pods two HPAs both scale. */
  readonly selectors = new Map<string, LabelSelector>();

  constructor(private readonly downscaleStabilizationMs = defaultDownscaleStabilizationMs) {}

  forget(key: string): void {
    this.selectors.delete(key);
    this.#recommendations.delete(key);
    this.#scaleUps.delete(key);
    this.#scaleDowns.delete(key);
  }

  /** The first time an HPA is seen, its current size counts as a recommendation. */
  recordInitial(key: string, replicas: number, nowMs: number): void {
    if (!this.#recommendations.has(key)) this.#recommendations.set(key, [{ replicas, atMs: nowMs }]);
  }

  /** Without `behavior`: the highest recommendation of the downscale window (scale-downs wait, scale-ups do not). */
  stabilize(key: string, desired: number, nowMs: number): number {
    const cutoff = nowMs - this.downscaleStabilizationMs;
    let result = desired;
    const recs = this.#recommendations.get(key) ?? [];
    let replaced = false;
    for (const r of recs) {
      if (r.atMs > cutoff) result = Math.max(result, r.replicas);
      else if (!replaced) {
        r.replicas = desired;
        r.atMs = nowMs;
        replaced = true;
      }
    }
    if (!replaced) recs.push({ replicas: desired, atMs: nowMs });
    this.#recommendations.set(key, recs);
    return result;
  }

  /** With `behavior`: held between the lowest recent recommendation (up window) and the highest (down window). */
  stabilizeWithBehavior(key: string, current: number, desired: number, up: Rules, down: Rules, nowMs: number): { replicas: number; reason: string; message: string } {
    const upCutoff = nowMs - up.stabilizationWindowSeconds * 1000;
    const downCutoff = nowMs - down.stabilizationWindowSeconds * 1000;
    let upRecommendation = desired;
    let downRecommendation = desired;
    const recs = this.#recommendations.get(key) ?? [];
    let oldIndex = -1;
    recs.forEach((r, i) => {
      if (r.atMs > upCutoff) upRecommendation = Math.min(upRecommendation, r.replicas);
      if (r.atMs > downCutoff) downRecommendation = Math.max(downRecommendation, r.replicas);
      if (r.atMs < upCutoff && r.atMs < downCutoff) oldIndex = i;
    });
    let replicas = current;
    if (replicas < upRecommendation) replicas = upRecommendation;
    if (replicas > downRecommendation) replicas = downRecommendation;
    const old = oldIndex >= 0 ? recs[oldIndex] : undefined;
    if (old) {
      old.replicas = desired;
      old.atMs = nowMs;
    } else recs.push({ replicas: desired, atMs: nowMs });
    this.#recommendations.set(key, recs);
    return desired >= current
      ? { replicas, reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
      : { replicas, reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };
  }

  #changeInPeriod(events: ScaleEvent[] | undefined, periodSeconds: number, nowMs: number): number {
    const cutoff = nowMs - periodSeconds * 1000;
    let sum = 0;
    for (const e of events ?? []) if (e.atMs > cutoff) sum += e.change;
    return sum;
  }

  /** The highest size the scale-up policies allow now. */
  scaleUpLimit(key: string, current: number, rules: Rules, nowMs: number): number {
    if (rules.selectPolicy === 'Disabled') return current;
    const pickMin = rules.selectPolicy === 'Min';
    let result = pickMin ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
    for (const p of rules.policies) {
      const start = current - this.#changeInPeriod(this.#scaleUps.get(key), p.periodSeconds, nowMs) + this.#changeInPeriod(this.#scaleDowns.get(key), p.periodSeconds, nowMs);
      const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      result = pickMin ? Math.min(result, proposed) : Math.max(result, proposed);
    }
    return result;
  }

  /** The lowest size the scale-down policies allow now. */
  scaleDownLimit(key: string, current: number, rules: Rules, nowMs: number): number {
    if (rules.selectPolicy === 'Disabled') return current;
    const pickMin = rules.selectPolicy === 'Min';
    let result = pickMin ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
    for (const p of rules.policies) {
      const start = current - this.#changeInPeriod(this.#scaleUps.get(key), p.periodSeconds, nowMs) + this.#changeInPeriod(this.#scaleDowns.get(key), p.periodSeconds, nowMs);
      const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
      result = pickMin ? Math.max(result, proposed) : Math.min(result, proposed);
    }
    return result;
  }

  /** Remembers a rescale for the policies' periods (only HPAs with `behavior` keep these). */
  recordScale(key: string, from: number, to: number, up: Rules, down: Rules, nowMs: number): void {
    if (to === from) return;
    const isUp = to > from;
    const rules = isUp ? up : down;
    const map = isUp ? this.#scaleUps : this.#scaleDowns;
    const longest = Math.max(0, ...rules.policies.map((p) => p.periodSeconds)) * 1000;
    const events = map.get(key) ?? [];
    for (const e of events) if (e.atMs <= nowMs - longest) e.outdated = true;
    const event = { change: Math.abs(to - from), atMs: nowMs, outdated: false };
    const slot = events.findIndex((e) => e.outdated);
    if (slot >= 0) events[slot] = event;
    else events.push(event);
    map.set(key, events);
  }
}

/** Without `behavior`: min/max and the doubling limit of one step (at least to 4). */
export function limitWithoutBehavior(current: number, desired: number, min: number, max: number): Limited {
  const scaleUpLimit = Math.max(2 * current, 4);
  const [maxAllowed, maxWhy] = max > scaleUpLimit ? [scaleUpLimit, upLimit] : [max, tooMany];
  if (desired < min) return { replicas: min, ...tooFew };
  if (desired > maxAllowed) return { replicas: maxAllowed, ...maxWhy };
  return { replicas: desired, ...withinRange };
}

/** With `behavior`: min/max and the rates the policies allow. */
export function limitWithBehavior(memory: HpaMemory, key: string, current: number, desired: number, min: number, max: number, up: Rules, down: Rules, nowMs: number): Limited {
  if (desired > current) {
    const limit = Math.max(memory.scaleUpLimit(key, current, up, nowMs), current);
    const [allowed, why] = max > limit ? [limit, upLimit] : [max, tooMany];
    if (desired > allowed) return { replicas: allowed, ...why };
  } else if (desired < current) {
    const limit = Math.min(memory.scaleDownLimit(key, current, down, nowMs), current);
    const [allowed, why] = min < limit ? [limit, downLimit] : [min, tooFew];
    if (desired < allowed) return { replicas: allowed, ...why };
  }
  return { replicas: desired, ...withinRange };
}
