// StatefulSet, DaemonSet, Job and CronJob controllers (core behaviour only).
import type { ControllerContext } from './types.js';

export function startWorkloadControllers(ctx: (component: string) => ControllerContext): Promise<void>[] {
  void ctx;
  return [];
}
