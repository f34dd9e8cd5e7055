import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../../src/api/object.js';
import { cronScheduleError } from '../../../src/registry/cron-schedule.js';
import { NOW, create, strategy, update } from './helpers.js';

const jobs = strategy('batch', 'v1', 'jobs');
const cronjobs = strategy('batch', 'v1', 'cronjobs');

const podTemplate = { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl' }] } };

function job(spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'ns', uid: 'uid-1', creationTimestamp: '2024-05-01T11:00:00Z' }, spec };
}

test('job defaults and the generated selector', () => {
  const { obj, errors } = create(jobs, job({ template: podTemplate }));
  assert.deepEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.equal(spec.completions, 1);
  assert.equal(spec.parallelism, 1);
  assert.equal(spec.backoffLimit, 6);
  assert.equal(spec.completionMode, 'NonIndexed');
  assert.equal(spec.suspend, false);
  assert.equal(spec.podReplacementPolicy, 'TerminatingOrFailed');
  assert.deepEqual(spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-1' } });
  const labels = { 'batch.kubernetes.io/controller-uid': 'uid-1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'uid-1', 'job-name': 'pi' };
  assert.deepEqual((spec.template as { metadata: { labels: unknown } }).metadata.labels, labels);
  assert.deepEqual(obj.metadata.labels, labels);
});

test('job validation messages', () => {
  const always = create(jobs, job({ template: { spec: { containers: [{ name: 'c', image: 'x' }] } } }));
  assert.deepEqual(always.errors, ['spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"']);
  const manual = create(jobs, job({ manualSelector: true, template: podTemplate }));
  assert.deepEqual(manual.errors, ['spec.selector: Required value']);
  const negative = create(jobs, job({ backoffLimit: -1, template: podTemplate }));
  assert.deepEqual(negative.errors, ['spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0']);
});

test('job selector and template are immutable', () => {
  const { obj: old } = create(jobs, job({ template: podTemplate }));
  const changed = structuredClone(old);
  (changed.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image = 'perl:2';
  const errs = update(jobs, changed, old).errors;
  assert.equal(errs.length, 1);
  assert.match(errs[0] ?? '', /^spec\.template: Invalid value: .*: field is immutable$/);
});

test('job table', () => {
  const j = { ...job({ completions: 1, parallelism: 1, template: podTemplate }), status: { succeeded: 1, startTime: '2024-05-01T11:00:00Z', completionTime: '2024-05-01T11:00:07Z', conditions: [{ type: 'Complete', status: 'True' }] } };
  assert.deepEqual(jobs.table?.cells(j, NOW).slice(0, 5), ['pi', 'Complete', '1/1', '7s', '60m']);
  const running = { ...job({ parallelism: 3, template: podTemplate }), status: { startTime: '2024-05-01T11:58:00Z' } };
  assert.deepEqual(jobs.table?.cells(running, NOW).slice(1, 4), ['Running', '0/1 of 3', '2m']);
  assert.deepEqual(jobs.fieldLabels?.(j), { 'status.successful': '1' });
});

test('cronjob defaults, schedule validation and table', () => {
  const cj: KubeObject = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'ns', creationTimestamp: '2024-05-01T11:00:00Z' }, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: podTemplate } } } };
  const { obj, errors } = create(cronjobs, cj);
  assert.deepEqual(errors, []);
  const spec = obj.spec as Record<string, unknown>;
  assert.deepEqual([spec.concurrencyPolicy, spec.suspend, spec.successfulJobsHistoryLimit, spec.failedJobsHistoryLimit], ['Allow', false, 3, 1]);
  assert.deepEqual(cronjobs.table?.cells(obj, NOW).slice(0, 7), ['c', '*/5 * * * *', '<none>', 'False', 0, '<none>', '60m']);
  const bad = create(cronjobs, { ...cj, spec: { ...(cj.spec as object), schedule: 'every day' } });
  assert.deepEqual(bad.errors, ['spec.schedule: Invalid value: "every day": expected exactly 5 fields, found 2: [every day]']);
  const none = create(cronjobs, { ...cj, spec: { jobTemplate: { spec: { template: podTemplate } } } });
  assert.deepEqual(none.errors, ['spec.schedule: Required value']);
});

const schedules: [string, string | undefined][] = [
  ['0 * * * *', undefined],
  ['*/15 9-17 * * mon-fri', undefined],
  ['0 0 1 JAN,jul ?', undefined],
  ['@hourly', undefined],
  ['@every 1h30m', undefined],
  ['@every soon', 'failed to parse duration @every soon: time: invalid duration "soon"'],
  ['@often', 'unrecognized descriptor: @often'],
  ['60 * * * *', 'end of range (60) above maximum (59): 60'],
  ['0 0 0 * *', 'beginning of range (0) below minimum (1): 0'],
  ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
  ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
  ['*/0 * * * *', 'step of range should be a positive number: */0'],
  ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
  ['', 'empty spec string'],
];
for (const [schedule, want] of schedules) {
  test(`cron schedule ${JSON.stringify(schedule)}`, () => assert.equal(cronScheduleError(schedule), want));
}
