// StatefulSet, DaemonSet, Job and CronJob controllers (core behaviour).
import { startCronJobController } from './cronjob.js';
import { startDaemonSetController } from './daemonset.js';
import { startJobController } from './job.js';
import { startStatefulSetController } from './statefulset.js';
import type { ControllerContext } from '../client/control/types.js';
import type { ControllerAccount } from './policy.js';

export function startWorkloadControllers(ctx: (component: string, account: ControllerAccount) => ControllerContext): Promise<void>[] {
  return [
    startStatefulSetController(ctx('statefulset-controller', 'statefulset-controller')),
    startDaemonSetController(ctx('daemonset-controller', 'daemon-set-controller')),
    startJobController(ctx('job-controller', 'job-controller')),
    startCronJobController(ctx('cronjob-controller', 'cronjob-controller')),
  ];
}
