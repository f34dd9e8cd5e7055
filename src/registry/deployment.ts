// apps/v1 Deployment.
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { asObj, child, isUnset, num, setDefault, str, type Obj } from './fields.js';
import { defineStrategy } from './define.js';
import { defaultPodTemplateSpec } from './pod-defaults.js';
import type { Strategy } from './strategy.js';
import { deploymentTable } from './workload-tables.js';
import {
  asSpec,
  intOrPercentValue,
  validateControllerSpec,
  validateIntOrPercent,
  validateNonNegative,
  validatePositive,
  validateSelectorImmutable,
} from './workload-common.js';

function validateStrategy(strategy: Obj | undefined): FieldError[] {
  const s = strategy ?? {};
  const type = str(s.type);
  if (type === 'Recreate') {
    return s.rollingUpdate === undefined || s.rollingUpdate === null
      ? []
      : [field.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'")];
  }
  if (type !== 'RollingUpdate') return [field.notSupported('spec.strategy', s, ['Recreate', 'RollingUpdate'])];
  const ru = asObj(s.rollingUpdate);
  if (!ru) return [field.required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil')];
  const path = 'spec.strategy.rollingUpdate';
  const errs = [...validateIntOrPercent(ru.maxUnavailable, `${path}.maxUnavailable`), ...validateIntOrPercent(ru.maxSurge, `${path}.maxSurge`)];
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
    errs.push(field.invalid(`${path}.maxUnavailable`, ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
  }
  if (typeof ru.maxUnavailable === 'string' && intOrPercentValue(ru.maxUnavailable) > 100) {
    errs.push(field.invalid(`${path}.maxUnavailable`, ru.maxUnavailable, 'must not be greater than 100%'));
  }
  return errs;
}

export function deploymentStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    defaults(d) {
      const spec = child(d, 'spec');
      setDefault(spec, 'replicas', 1);
      const strategy = child(spec, 'strategy');
      setDefault(strategy, 'type', 'RollingUpdate');
      if (strategy.type === 'RollingUpdate') {
        const ru = child(strategy, 'rollingUpdate');
        setDefault(ru, 'maxUnavailable', '25%');
        setDefault(ru, 'maxSurge', '25%');
      }
      setDefault(spec, 'revisionHistoryLimit', 10);
      setDefault(spec, 'progressDeadlineSeconds', 600);
      defaultPodTemplateSpec(child(spec, 'template'));
    },
    validate(d) {
      const spec = asSpec(d) ?? {};
      const errs = [
        ...validateNonNegative(spec.replicas, 'spec.replicas'),
        ...validateControllerSpec(spec, 'deployment'),
        ...validateStrategy(asObj(spec.strategy)),
      ];
      const deadline = num(spec.progressDeadlineSeconds);
      if (!isUnset(spec.progressDeadlineSeconds)) {
        errs.push(...validatePositive(deadline, 'spec.progressDeadlineSeconds'));
        if (deadline !== undefined && deadline <= (num(spec.minReadySeconds) ?? 0)) {
          errs.push(field.invalid('spec.progressDeadlineSeconds', deadline, 'must be greater than minReadySeconds'));
        }
      }
      return errs;
    },
    validateUpdate: validateSelectorImmutable,
    table: deploymentTable,
  });
}
