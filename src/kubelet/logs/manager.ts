// The node's container log manager: every 10 s (the kubelet's containerLogMonitorInterval) it looks at each running
// container's log file and rotates the ones that reached the size limit (rotate.ts). One container's failure is
// logged and does not hold up the others; the next round tries again.
import type { Clock } from '../../client/workqueue.js';
import { sleep } from '../../client/informer.js';
import type { ContainerStatus } from '../runtime/types.js';
import type { LogRotationPolicy } from './policy.js';
import { rotateIfNeeded } from './rotate.js';

export const logMonitorIntervalMs = 10_000;

/** What the manager needs of the runtime: running containers, their log paths, and CRI ReopenContainerLog. */
export interface ContainerLogRuntime {
  listContainers(): Promise<ContainerStatus[]>;
  containerStatus(containerId: string): Promise<ContainerStatus>;
  reopenContainerLog(containerId: string): Promise<void>;
}

export interface ContainerLogManagerOptions {
  runtime: ContainerLogRuntime;
  policy: LogRotationPolicy;
  clock: Clock;
  log?: (line: string) => void;
  intervalMs?: number;
}

/** One round over the running containers; resolves with the ids whose log was rotated. */
export async function rotateContainerLogs(o: ContainerLogManagerOptions): Promise<string[]> {
  const log = o.log ?? (() => {});
  const rotated: string[] = [];
  const running = (await o.runtime.listContainers()).filter((c) => c.state === 'running');
  for (const c of running) {
    try {
      const path = (await o.runtime.containerStatus(c.id)).logPath;
      if (!path) continue;
      const outcome = await rotateIfNeeded(c.id, path, o.policy, { reopen: (id) => o.runtime.reopenContainerLog(id), now: () => o.clock.now() });
      if (outcome === 'rotated') rotated.push(c.id);
      if (outcome === 'recovered') log(`container log of ${c.id} was missing; the runtime reopened it`);
    } catch (e) {
      log(`container log rotation of ${c.id}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return rotated;
}

/** Rounds until the signal aborts. */
export async function runContainerLogManager(o: ContainerLogManagerOptions, signal: AbortSignal): Promise<void> {
  const log = o.log ?? (() => {});
  while (!signal.aborted) {
    await sleep(o.clock, o.intervalMs ?? logMonitorIntervalMs, signal);
    if (signal.aborted) return;
    await rotateContainerLogs(o).catch((e: unknown) => log(`container log rotation: ${e instanceof Error ? e.message : String(e)}`));
  }
}
