// apps/v1 DaemonSet and ControllerRevision.
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { validateImmutableField } from '../api/validation/object-meta.js';
import { child, get, num, setDefault, str } from './fields.js';
import { defineStrategy } from './define.js';
import { defaultPodTemplateSpec } from './pod-defaults.js';
import type { Strategy } from './strategy.js';
import { age, column, nameColumn, ageColumn } from './table.js';
import { daemonSetTable } from './workload-tables.js';
import { asSpec, validateControllerSpec, validateIntOrPercent, validateSelectorImmutable } from './workload-common.js';

const UPDATE_STRATEGIES = ['OnDelete', 'RollingUpdate'];

export function daemonSetStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    statusFields: { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 },
    defaults(ds) {
      const spec = child(ds, 'spec');
      const updateStrategy = child(spec, 'updateStrategy');
      setDefault(updateStrategy, 'type', 'RollingUpdate');
      if (updateStrategy.type === 'RollingUpdate') {
        const ru = child(updateStrategy, 'rollingUpdate');
        setDefault(ru, 'maxUnavailable', 1);
        setDefault(ru, 'maxSurge', 0);
      }
      setDefault(spec, 'revisionHistoryLimit', 10);
      defaultPodTemplateSpec(child(spec, 'template'));
    },
    validate(ds) {
      const spec = asSpec(ds) ?? {};
      const errs: FieldError[] = validateControllerSpec(spec, 'daemonset');
      const type = str(get(spec, 'updateStrategy', 'type'));
      if (!UPDATE_STRATEGIES.includes(type)) errs.push(field.notSupported('spec.updateStrategy.type', type, UPDATE_STRATEGIES));
      if (type === 'RollingUpdate') {
        const path = 'spec.updateStrategy.rollingUpdate';
        errs.push(...validateIntOrPercent(get(spec, 'updateStrategy', 'rollingUpdate', 'maxUnavailable'), `${path}.maxUnavailable`));
        errs.push(...validateIntOrPercent(get(spec, 'updateStrategy', 'rollingUpdate', 'maxSurge'), `${path}.maxSurge`));
      }
      return errs;
    },
    validateUpdate: validateSelectorImmutable,
    table: daemonSetTable,
  });
}

function controllerName(obj: Parameters<Strategy['validate']>[0]): string {
  const ref = (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.slice(0, ref.apiVersion.indexOf('/')) : '';
  return `${ref.kind.toLowerCase()}${group ? `.${group}` : ''}/${ref.name}`;
}

export function controllerRevisionStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    validate(cr) {
      const revision = num(cr.revision) ?? 0;
      return revision < 0 ? [field.invalid('revision', revision, 'must be greater than or equal to 0')] : [];
    },
    validateUpdate: (cr, old) => validateImmutableField(cr.data, old.data, 'data'),
    table: {
      columns: [
        nameColumn,
        column('Controller', 'Controller of the object'),
        column('Revision', 'Revision of the ControllerRevision', { type: 'integer' }),
        ageColumn,
      ],
      cells: (cr, now) => [cr.metadata.name ?? '', controllerName(cr), num(cr.revision) ?? 0, age(cr, now)],
    },
  });
}
