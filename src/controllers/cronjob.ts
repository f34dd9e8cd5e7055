// CronJob controller (core behaviour): create a Job named "<cronjob>-<minutes since epoch>" at each scheduled
// time, honouring suspend, concurrencyPolicy (Allow/Forbid/Replace) and startingDeadlineSeconds, track
// active Jobs and keep successfulJobsHistoryLimit/failedJobsHistoryLimit finished ones.
import type { KubeObject } from '../api/object.js';
import { isAlreadyExists, isNotFound } from '../client/api-error.js';
import { byOwnerUid, objectKey, ownerUidIndex, splitKey, type Indexer } from '../client/informer.js';
import { WorkQueue, type Clock } from '../client/workqueue.js';
import { parseCron } from './cron.js';
import { timestamp } from '../client/control/events.js';
import { jobFinished } from './job.js';
import { controllerRef, ownerRefTo } from './owner-refs.js';
import { num, rec, specOf, statusOf, str } from '../api/pod-util.js';
import { updateStatus } from './replicaset.js';
import { pathFor, R } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import type { ControllerClient, ControllerContext, EventRecorder, ReconcileResult } from '../client/control/types.js';

export interface CronJobDeps {
  client: ControllerClient;
  cronJobs: Indexer;
  jobs: Indexer;
  recorder: EventRecorder;
  clock: Clock;
}

export const scheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** The latest scheduled time in (since, now], if any. */
export function mostRecentSchedule(schedule: string, sinceMs: number, nowMs: number): number | undefined {
  const cron = parseCron(schedule);
  let last: number | undefined;
  for (let t = cron.next(sinceMs), n = 0; t <= nowMs && n < 100_000; t = cron.next(t), n++) last = t;
  return last;
}

async function deleteJob(d: CronJobDeps, job: KubeObject): Promise<void> {
  try {
    await d.client.delete(pathFor(R.jobs, job.metadata.namespace, job.metadata.name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' } });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

export async function reconcileCronJob(key: string, d: CronJobDeps): Promise<ReconcileResult> {
  const cj = d.cronJobs.get(key);
  if (!cj || cj.metadata.deletionTimestamp) return;
  const { namespace, name } = splitKey(key);
  const spec = specOf(cj);
  const now = d.clock.now();
  const jobs = d.jobs.byIndex(ownerUidIndex, cj.metadata.uid ?? '').filter((j) => controllerRef(j)?.uid === cj.metadata.uid);
  const active = jobs.filter((j) => !jobFinished(j));
  const status: Record<string, unknown> = { ...structuredClone(statusOf(cj)) };

  // History limits: oldest finished Jobs beyond the limits go.
  const byStart = (a: KubeObject, b: KubeObject) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '');
  const succeeded = jobs.filter((j) => jobFinished(j) === 'Complete').sort(byStart);
  const failed = jobs.filter((j) => jobFinished(j) === 'Failed').sort(byStart);
  for (const j of succeeded.slice(0, Math.max(0, succeeded.length - num(spec['successfulJobsHistoryLimit'], 3)))) await deleteJob(d, j);
  for (const j of failed.slice(0, Math.max(0, failed.length - num(spec['failedJobsHistoryLimit'], 1)))) await deleteJob(d, j);
  const lastDone = succeeded.map((j) => str(statusOf(j)['completionTime'])).filter(Boolean).sort().at(-1);
  if (lastDone) status['lastSuccessfulTime'] = lastDone;

  const schedule = str(spec['schedule']);
  let nextRun: number | undefined;
  let activeJobs = active;
  if (spec['suspend'] !== true && schedule) {
    const since = Date.parse(str(status['lastScheduleTime']) || (cj.metadata.creationTimestamp ?? '')) || now;
    const due = mostRecentSchedule(schedule, since, now);
    const deadline = typeof spec['startingDeadlineSeconds'] === 'number' ? spec['startingDeadlineSeconds'] : undefined;
    const tooLate = due !== undefined && deadline !== undefined && now - due > deadline * 1000;
    const policy = str(spec['concurrencyPolicy'], 'Allow');
    if (due !== undefined && !tooLate && !(policy === 'Forbid' && active.length > 0)) {
      if (policy === 'Replace') {
        for (const j of active) await deleteJob(d, j);
        activeJobs = [];
      }
      const template = rec(spec['jobTemplate']);
      const tmeta = rec(template['metadata']);
      const jobName = `${name}-${Math.floor(due / 60_000)}`;
      const job: KubeObject = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: jobName,
          namespace,
          ...(tmeta['labels'] ? { labels: structuredClone(tmeta['labels'] as Record<string, string>) } : {}),
          annotations: { ...(rec(tmeta['annotations']) as Record<string, string>), [scheduledTimestampAnnotation]: timestamp(due) },
          ownerReferences: [ownerRefTo(cj, 'batch/v1', 'CronJob')],
        },
        spec: structuredClone(rec(template['spec'])),
      };
      try {
        const created = await d.client.create<KubeObject>(pathFor(R.jobs, namespace), job);
        activeJobs = [...activeJobs, created];
        d.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${jobName}`);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
      status['lastScheduleTime'] = timestamp(due);
    } else if (due !== undefined && policy === 'Forbid') {
      // Skipped while the previous run is still going: look again soon.
      nextRun = now + 10_000;
    } else if (due !== undefined) {
      status['lastScheduleTime'] = timestamp(due);
    }
    const upcoming = parseCron(schedule).next(now);
    nextRun = Math.min(nextRun ?? upcoming, upcoming);
  }
  const refs = activeJobs.map((j) => ({ apiVersion: 'batch/v1', kind: 'Job', name: j.metadata.name, namespace, uid: j.metadata.uid, resourceVersion: j.metadata.resourceVersion }));
  if (refs.length) status['active'] = refs;
  else delete status['active'];
  await updateStatus(d.client, cj, status, R.cronjobs);
  return nextRun !== undefined && Number.isFinite(nextRun) ? { requeueAfterMs: Math.max(0, nextRun - now) + 50 } : undefined;
}

export function startCronJobController(ctx: ControllerContext): Promise<void> {
  const cjs = ctx.factory.informerFor({ path: pathFor(R.cronjobs) });
  const jobs = ctx.factory.informerFor({ path: pathFor(R.jobs), indexers: { [ownerUidIndex]: byOwnerUid } });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  const owner = (j: KubeObject) => {
    const ref = controllerRef(j);
    if (ref?.kind === 'CronJob') queue.add(`${j.metadata.namespace ?? ''}/${ref.name}`);
  };
  cjs.addEventHandler({ add: (c) => queue.add(objectKey(c)), update: (_o, c) => queue.add(objectKey(c)) });
  jobs.addEventHandler({ add: owner, update: (_o, j) => owner(j), delete: owner });
  const deps: CronJobDeps = { client: ctx.client, cronJobs: cjs.store, jobs: jobs.store, recorder: ctx.recorder, clock: ctx.clock };
  return runController({ name: 'cronjob', informers: [cjs, jobs], queue, primary: { informer: cjs, resource: R.cronjobs }, recorder: ctx.recorder, reconcile: (k) => reconcileCronJob(k, deps), workers: ctx.workers ?? 2, signal: ctx.signal, log: ctx.log });
}
