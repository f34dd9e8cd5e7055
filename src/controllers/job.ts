// Job controller (core behaviour): run pods until `completions` succeed (or, without completions, until one
// succeeds and the rest finish), at most `parallelism` at a time; fail after more than `backoffLimit` failed
// pods or past activeDeadlineSeconds.
import type { KubeObject } from '../api/object.js';
import { isNotFound } from '../client/api-error.js';
import { byOwnerUid, objectKey, ownerUidIndex, splitKey, type Indexer } from '../client/informer.js';
import { WorkQueue, type Clock } from '../client/workqueue.js';
import { timestamp } from '../client/control/events.js';
import { Expectations } from './expectations.js';
import { controllerRef } from './owner-refs.js';
import { isPodActive, isPodReady, num, podPhase, rec, specOf, statusOf } from '../api/pod-util.js';
import { podFromTemplate, updateStatus } from './replicaset.js';
import { pathFor, R } from '../client/control/resources.js';
import { runController } from '../client/control/run.js';
import type { ControllerClient, ControllerContext, EventRecorder, ReconcileResult } from '../client/control/types.js';

export interface JobDeps {
  client: ControllerClient;
  jobs: Indexer;
  pods: Indexer;
  recorder: EventRecorder;
  clock: Clock;
  expectations: Expectations;
}

type Condition = { type: string; status: string; lastProbeTime: string; lastTransitionTime: string; reason?: string; message?: string };

export function jobFinished(job: KubeObject): 'Complete' | 'Failed' | undefined {
  const conds = (statusOf(job)['conditions'] ?? []) as Condition[];
  for (const c of conds) if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  return undefined;
}

function jobPod(job: KubeObject): KubeObject {
  const template = structuredClone(rec(specOf(job)['template']));
  const meta = rec(template['metadata']);
  const name = job.metadata.name ?? '';
  const uid = job.metadata.uid ?? '';
  template['metadata'] = {
    ...meta,
    labels: { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name, ...rec(meta['labels']) },
  };
  return podFromTemplate(job, 'batch/v1', 'Job', template);
}

export async function reconcileJob(key: string, d: JobDeps): Promise<ReconcileResult> {
  const job = d.jobs.get(key);
  if (!job) return;
  const { namespace } = splitKey(key);
  const spec = specOf(job);
  const now = d.clock.now();
  const ts = timestamp(now);
  const pods = d.pods.byIndex(ownerUidIndex, job.metadata.uid ?? '').filter((p) => controllerRef(p)?.uid === job.metadata.uid);
  const active = pods.filter(isPodActive);
  const succeeded = pods.filter((p) => podPhase(p) === 'Succeeded').length;
  const failed = pods.filter((p) => podPhase(p) === 'Failed').length;
  const old = statusOf(job);
  const status: Record<string, unknown> = { ...structuredClone(old) };
  status['startTime'] ??= ts;
  const conditions = ((status['conditions'] ?? []) as Condition[]).slice();
  const addCondition = (type: string, reason: string, message: string) => {
    if (!conditions.some((c) => c.type === type)) conditions.push({ type, status: 'True', lastProbeTime: ts, lastTransitionTime: ts, reason, message });
  };
  const deleteActive = async () => {
    for (const p of active) {
      try {
        await d.client.delete(pathFor(R.pods, namespace, p.metadata.name));
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  };

  let requeueAfterMs: number | undefined;
  const finished = jobFinished(job);
  const completions = typeof spec['completions'] === 'number' ? spec['completions'] : undefined;
  const parallelism = num(spec['parallelism'], 1);
  const backoffLimit = num(spec['backoffLimit'], 6);
  const deadline = typeof spec['activeDeadlineSeconds'] === 'number' ? spec['activeDeadlineSeconds'] : undefined;
  const started = Date.parse(String(status['startTime']));

  if (finished) {
    await deleteActive();
  } else if (failed > backoffLimit) {
    await deleteActive();
    addCondition('FailureTarget', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    addCondition('Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    d.recorder.event(job, 'Warning', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
  } else if (deadline !== undefined && now - started >= deadline * 1000) {
    await deleteActive();
    addCondition('FailureTarget', 'DeadlineExceeded', 'Job was active longer than specified deadline');
    addCondition('Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline');
    d.recorder.event(job, 'Warning', 'DeadlineExceeded', 'Job was active longer than specified deadline');
  } else if (completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0) {
    addCondition('SuccessCriteriaMet', 'CompletionsReached', 'Reached expected number of succeeded pods');
    addCondition('Complete', 'CompletionsReached', 'Reached expected number of succeeded pods');
    status['completionTime'] = ts;
    d.recorder.event(job, 'Normal', 'Completed', 'Job completed');
  } else if (spec['suspend'] !== true && d.expectations.satisfied(key)) {
    const want = completions !== undefined ? Math.min(parallelism, completions - succeeded) : succeeded > 0 ? 0 : parallelism;
    const missing = Math.max(0, want - active.length);
    d.expectations.expect(key, missing, 0);
    for (let i = 0; i < missing; i++) {
      try {
        const pod = await d.client.create<KubeObject>(pathFor(R.pods, namespace), jobPod(job));
        d.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name ?? ''}`);
      } catch (e) {
        d.expectations.lower(key, missing - i, 0);
        throw e;
      }
    }
    if (deadline !== undefined) requeueAfterMs = Math.max(0, started + deadline * 1000 - now);
  }
  Object.assign(status, { active: jobFinished({ ...job, status: { conditions } }) ? 0 : active.length, succeeded, failed, ready: active.filter(isPodReady).length, uncountedTerminatedPods: {} });
  if (conditions.length) status['conditions'] = conditions;
  await updateStatus(d.client, job, status, R.jobs);
  return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
}

export function startJobController(ctx: ControllerContext): Promise<void> {
  const jobs = ctx.factory.informerFor({ path: pathFor(R.jobs) });
  const pods = ctx.factory.informerFor({ path: pathFor(R.pods), indexers: { [ownerUidIndex]: byOwnerUid } });
  const queue = new WorkQueue<string>({ clock: ctx.clock });
  const expectations = new Expectations(ctx.clock);
  const owner = (p: KubeObject, created = false) => {
    const ref = controllerRef(p);
    if (ref?.kind !== 'Job') return;
    const key = `${p.metadata.namespace ?? ''}/${ref.name}`;
    if (created) expectations.creationObserved(key);
    queue.add(key);
  };
  jobs.addEventHandler({ add: (j) => queue.add(objectKey(j)), update: (_o, j) => queue.add(objectKey(j)), delete: (j) => expectations.forget(objectKey(j)) });
  pods.addEventHandler({ add: (p) => owner(p, true), update: (_o, p) => owner(p), delete: (p) => owner(p) });
  const deps: JobDeps = { client: ctx.client, jobs: jobs.store, pods: pods.store, recorder: ctx.recorder, clock: ctx.clock, expectations };
  return runController({ name: 'job', informers: [jobs, pods], queue, primary: { informer: jobs, resource: R.jobs }, recorder: ctx.recorder, reconcile: (k) => reconcileJob(k, deps), workers: ctx.workers ?? 5, signal: ctx.signal, log: ctx.log });
}
