// batch/v1 Job.
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { semanticEqual } from '../api/validation/equality.js';
import { humanDuration } from '../api/duration.js';
import { asObj, child, get, isUnset, num, objects, setDefault, str, type Obj } from './fields.js';
import { defineStrategy } from './define.js';
import { defaultPodTemplateSpec } from './pod-defaults.js';
import { validatePodTemplateSpec } from './pod-validation.js';
import type { Strategy, TablePrinter } from './strategy.js';
import { age, column, containersAndImages, containersColumn, formatLabelSelector, imagesColumn, int, nameColumn, ageColumn, selectorColumn } from './table.js';
import { validateLabelSelector } from './label-selector.js';
import { templateMatchesSelector, validateNonNegative, validatePositive, validateSelectorImmutable } from './workload-common.js';

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
const COMPLETION_MODES = ['NonIndexed', 'Indexed'];

/** SetDefaults_Job, for Jobs and CronJob job templates. */
export function defaultJobSpec(spec: Obj): void {
  if (isUnset(spec.completions) && isUnset(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', isUnset(spec.backoffLimitPerIndex) ? 6 : 2147483647);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'podReplacementPolicy', spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed');
  defaultPodTemplateSpec(child(spec, 'template'));
}

/** Unless manualSelector: selector and template labels keyed by the Job's uid. */
function generateSelector(job: KubeObject): void {
  const spec = child(job, 'spec');
  if (spec.manualSelector === true) return;
  // The store is expected to have set the uid; if not, fix one here so selector and uid agree.
  const uid = job.metadata.uid ?? randomUUID();
  job.metadata.uid = uid;
  const name = job.metadata.name ?? '';
  const meta = child(child(spec, 'template'), 'metadata');
  meta.labels = { ...asObj(meta.labels), [CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name, 'controller-uid': uid, 'job-name': name };
  if (isUnset(spec.selector)) spec.selector = { matchLabels: { [CONTROLLER_UID_LABEL]: uid } };
}

/** Job spec rules shared with CronJob templates (path "spec" or "spec.jobTemplate.spec"). */
export function validateJobSpec(spec: Obj, path: string, requireSelector: boolean): FieldError[] {
  const errs: FieldError[] = [
    ...validateNonNegative(spec.parallelism, `${path}.parallelism`),
    ...validateNonNegative(spec.completions, `${path}.completions`),
    ...validateNonNegative(spec.backoffLimit, `${path}.backoffLimit`),
    ...validatePositive(spec.activeDeadlineSeconds, `${path}.activeDeadlineSeconds`),
    ...validateNonNegative(spec.ttlSecondsAfterFinished, `${path}.ttlSecondsAfterFinished`),
  ];
  if (isUnset(spec.selector)) {
    if (requireSelector) errs.push(field.required(`${path}.selector`));
  } else {
    errs.push(...validateLabelSelector(spec.selector, `${path}.selector`));
    errs.push(...templateMatchesSelector(spec.selector, spec.template, `${path}.template`));
  }
  const mode = str(spec.completionMode);
  if (mode !== '' && !COMPLETION_MODES.includes(mode)) errs.push(field.notSupported(`${path}.completionMode`, mode, COMPLETION_MODES));
  if (mode === 'Indexed' && isUnset(spec.completions)) errs.push(field.required(`${path}.completions`, 'when completion mode is Indexed'));
  errs.push(...validatePodTemplateSpec(spec.template, `${path}.template`, { restartPolicies: ['OnFailure', 'Never'] }));
  return errs;
}

function validateJobUpdate(job: KubeObject, old: KubeObject): FieldError[] {
  const spec = asObj(job.spec) ?? {};
  const oldSpec = asObj(old.spec) ?? {};
  const errs = validateSelectorImmutable(job, old);
  if (!semanticEqual(spec.completionMode, oldSpec.completionMode)) errs.push(field.invalid('spec.completionMode', spec.completionMode ?? null, 'field is immutable'));
  if (spec.completionMode !== 'Indexed' && !semanticEqual(spec.completions, oldSpec.completions)) {
    errs.push(field.invalid('spec.completions', spec.completions ?? null, 'field is immutable'));
  }
  // The template may only change while the Job is suspended (to adjust scheduling before it starts).
  if (oldSpec.suspend !== true && !semanticEqual(spec.template, oldSpec.template)) {
    errs.push(field.invalid('spec.template', spec.template ?? null, 'field is immutable'));
  }
  return errs;
}

function hasTrueCondition(job: KubeObject, type: string): boolean {
  return objects(get(job, 'status', 'conditions')).some((c) => c.type === type && c.status === 'True');
}

function jobStatusCell(job: KubeObject): string {
  if (hasTrueCondition(job, 'Complete')) return 'Complete';
  if (hasTrueCondition(job, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (hasTrueCondition(job, 'Suspended')) return 'Suspended';
  if (hasTrueCondition(job, 'FailureTarget')) return 'FailureTarget';
  if (hasTrueCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function completionsCell(job: KubeObject): string {
  const succeeded = int(get(job, 'status', 'succeeded'));
  const completions = num(get(job, 'spec', 'completions'));
  if (completions !== undefined) return `${succeeded}/${completions}`;
  const parallelism = int(get(job, 'spec', 'parallelism'));
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function durationCell(job: KubeObject, now: Date): string {
  const start = Date.parse(str(get(job, 'status', 'startTime')));
  if (Number.isNaN(start)) return '';
  const completion = Date.parse(str(get(job, 'status', 'completionTime')));
  return humanDuration((Number.isNaN(completion) ? now.getTime() : completion) - start);
}

export const jobTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Status', 'Status of the job.'),
    column('Completions', 'The desired number of successfully finished pods the job should be run with.'),
    column('Duration', 'Time required to complete the job.'),
    ageColumn,
    containersColumn,
    imagesColumn,
    selectorColumn,
  ],
  cells(job, now) {
    const [containers, images] = containersAndImages(get(job, 'spec', 'template', 'spec'));
    return [job.metadata.name ?? '', jobStatusCell(job), completionsCell(job), durationCell(job, now), age(job, now), containers, images, formatLabelSelector(get(job, 'spec', 'selector'))];
  },
};

export function jobStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    defaults(job) {
      const spec = child(job, 'spec');
      defaultJobSpec(spec);
      const templateLabels = asObj(get(spec, 'template', 'metadata', 'labels'));
      if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...(templateLabels as Record<string, string>) };
    },
    prepareForCreate(job) {
      generateSelector(job);
      const templateLabels = asObj(get(job, 'spec', 'template', 'metadata', 'labels'));
      if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...(templateLabels as Record<string, string>) };
    },
    validate: (job) => validateJobSpec(asObj(job.spec) ?? {}, 'spec', true),
    validateUpdate: validateJobUpdate,
    fieldLabels: (job) => ({ 'status.successful': String(int(get(job, 'status', 'succeeded'))) }),
    table: jobTable,
  });
}
