// StatefulSet, DaemonSet, Job and CronJob controllers (core behaviour).
import { startCronJobController } from './cronjob.js';
import { startDaemonSetController } from './daemonset.js';
import { startJobController } from './job.js';
import { startStatefulSetController } from './statefulset.js';
import type { ControllerContext } from '../client/control/types.js';

export function startWorkloadControllers(ctx: (component: string) => ControllerContext): Promise<void>[] {
  return [
    startStatefulSetController(ctx('statefulset-controller')),
    startDaemonSetController(ctx('daemonset-controller')),
    startJobController(ctx('job-controller')),
    startCronJobController(ctx('cronjob-controller')),
  ];
}
