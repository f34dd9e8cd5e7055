// How long a node's pods get to stop when the node agent shuts down, as the kubelet's shutdownGracePeriod and
// shutdownGracePeriodCriticalPods set it (flags --shutdown-grace-period and --shutdown-grace-period-critical-pods
// here), and the longest the whole shutdown can take with them (node-shutdown.ts keeps to it).
import { parseGoDuration } from '../api/go-duration.js';

export interface ShutdownGracePeriods {
  /** --shutdown-grace-period: the whole time pods get to stop. */
  totalSeconds: number;
  /** --shutdown-grace-period-critical-pods: the last part of it, kept for critical pods. */
  criticalPodsSeconds: number;
}

export const defaultShutdownGracePeriods: ShutdownGracePeriods = { totalSeconds: 30, criticalPodsSeconds: 10 };

/** Beyond a step's period: time for the SIGKILLed processes to be reaped and the runtime to answer. */
export const killMarginSeconds = 5;
/** The longest the removal of sandboxes, volumes and logs may take once the pods are stopped. */
export const cleanupSeconds = 20;

/** The longest the node's shutdown takes with these periods: both steps with their margins, then the clean-up. */
export function shutdownBoundMs(p: ShutdownGracePeriods): number {
  return (p.totalSeconds + 2 * killMarginSeconds + cleanupSeconds) * 1000;
}

function seconds(flag: string, v: string): number | { error: string } {
  let ms: number;
  try {
    ms = parseGoDuration(v);
  } catch (e) {
    return { error: `invalid --${flag} "${v}": ${e instanceof Error ? e.message : String(e)}; use a duration such as 30s or 2m` };
  }
  if (!(ms >= 0) || ms % 1000 !== 0 || ms > 24 * 3600_000) return { error: `invalid --${flag} "${v}": use whole seconds from 0s to 24h` };
  return ms / 1000;
}

/**
 * Reads the two flags. Without --shutdown-grace-period-critical-pods, critical pods get a third of the budget
 * (10 s of the default 30 s); the critical part may not be longer than the whole.
 */
export function parseShutdownGracePeriodFlags(total: string | undefined, critical: string | undefined): ShutdownGracePeriods | { error: string } {
  const t = total === undefined ? defaultShutdownGracePeriods.totalSeconds : seconds('shutdown-grace-period', total);
  if (typeof t !== 'number') return t;
  const c = critical === undefined ? Math.floor(t / 3) : seconds('shutdown-grace-period-critical-pods', critical);
  if (typeof c !== 'number') return c;
  if (c > t) return { error: `invalid --shutdown-grace-period-critical-pods "${critical}": it is part of --shutdown-grace-period (${t}s) and may not be longer` };
  return { totalSeconds: t, criticalPodsSeconds: c };
}
