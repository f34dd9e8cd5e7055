// batch/v1 CronJob.
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { asObj, child, get, isUnset, objects, setDefault, str } from './fields.js';
import { cronScheduleError } from './cron-schedule.js';
import { defineStrategy } from './define.js';
import { validateJobSpec } from './job.js';
import { defaultPodTemplateSpec } from './pod-defaults.js';
import type { Strategy } from './strategy.js';
import { age, column, containersAndImages, containersColumn, formatLabelSelector, imagesColumn, nameColumn, ageColumn, selectorColumn, since } from './table.js';
import { validateNonNegative } from './workload-common.js';

const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];

function validateSchedule(schedule: string): FieldError[] {
  if (schedule === '') return [field.required('spec.schedule')];
  const errs: FieldError[] = [];
  const parseError = cronScheduleError(schedule);
  if (parseError) errs.push(field.invalid('spec.schedule', schedule, parseError));
  if (schedule.includes('TZ')) errs.push(field.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  return errs;
}

export function cronJobStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    defaults(cj) {
      const spec = child(cj, 'spec');
      setDefault(spec, 'concurrencyPolicy', 'Allow');
      setDefault(spec, 'suspend', false);
      setDefault(spec, 'successfulJobsHistoryLimit', 3);
      setDefault(spec, 'failedJobsHistoryLimit', 1);
      // SetDefaults_Job applies to Jobs only; a job template just gets pod template defaults.
      defaultPodTemplateSpec(child(child(child(spec, 'jobTemplate'), 'spec'), 'template'));
    },
    validate(cj) {
      const spec = asObj(cj.spec) ?? {};
      const errs = validateSchedule(str(spec.schedule));
      const policy = str(spec.concurrencyPolicy);
      if (!CONCURRENCY_POLICIES.includes(policy)) errs.push(field.notSupported('spec.concurrencyPolicy', policy, CONCURRENCY_POLICIES));
      errs.push(...validateNonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
      errs.push(...validateNonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
      errs.push(...validateNonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
      const jobSpec = asObj(get(spec, 'jobTemplate', 'spec'));
      if (!jobSpec) errs.push(field.required('spec.jobTemplate.spec'));
      else errs.push(...validateJobSpec(jobSpec, 'spec.jobTemplate.spec', false));
      return errs;
    },
    table: {
      columns: [
        nameColumn,
        column('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
        column('Timezone', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
        column('Suspend', 'This flag tells the controller to suspend subsequent executions.'),
        column('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
        column('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
        ageColumn,
        containersColumn,
        imagesColumn,
        selectorColumn,
      ],
      cells(cj, now) {
        const spec = asObj(cj.spec) ?? {};
        const suspend = spec.suspend;
        const lastSchedule = get(cj, 'status', 'lastScheduleTime');
        const [containers, images] = containersAndImages(get(spec, 'jobTemplate', 'spec', 'template', 'spec'));
        return [
          cj.metadata.name ?? '',
          str(spec.schedule),
          isUnset(spec.timeZone) ? '<none>' : str(spec.timeZone),
          typeof suspend === 'boolean' ? (suspend ? 'True' : 'False') : '<unset>',
          objects(get(cj, 'status', 'active')).length,
          isUnset(lastSchedule) ? '<none>' : since(lastSchedule, now),
          age(cj, now),
          containers,
          images,
          formatLabelSelector(get(spec, 'jobTemplate', 'spec', 'selector')),
        ];
      },
    },
  });
}
