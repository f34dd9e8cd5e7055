// core/v1 LimitRange and ResourceQuota.
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { parseQuantity, QUANTITY_FORMAT_ERROR } from '../api/validation/quantity.js';
import { asObj, get, objects, str } from './fields.js';
import { defineStrategy } from './define.js';
import type { Strategy } from './strategy.js';
import { age, column, defaultTable, nameColumn, ageColumn } from './table.js';

const LIMIT_TYPES = ['Container', 'Pod', 'PersistentVolumeClaim'];

function validateQuantities(list: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, q] of Object.entries(asObj(list) ?? {})) {
    const v = parseQuantity(q);
    if (v === undefined) errs.push(field.invalid(`${path}[${name}]`, q, QUANTITY_FORMAT_ERROR));
    else if (v < 0) errs.push(field.invalid(`${path}[${name}]`, String(q), 'must be greater than or equal to 0'));
  }
  return errs;
}

export function limitRangeStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    allowCreateOnUpdate: true,
    validate(lr) {
      const errs: FieldError[] = [];
      objects(get(lr, 'spec', 'limits')).forEach((limit, i) => {
        const path = `spec.limits[${i}]`;
        const type = str(limit.type);
        if (!LIMIT_TYPES.includes(type)) errs.push(field.notSupported(`${path}.type`, type, LIMIT_TYPES));
        for (const key of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) errs.push(...validateQuantities(limit[key], `${path}.${key}`));
      });
      return errs;
    },
    // k8s prints LimitRanges as Name + Created At, like the default table.
    table: defaultTable,
  });
}

function quotaUsage(hard: Record<string, unknown>, used: Record<string, unknown>, limits: boolean): string {
  return Object.keys(hard)
    .filter((name) => name.startsWith('limits.') === limits)
    .sort()
    .map((name) => `${name}: ${String(used[name] ?? '0')}/${String(hard[name])}`)
    .join(', ');
}

export function resourceQuotaStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    validate: (rq) => validateQuantities(get(rq, 'spec', 'hard'), 'spec.hard'),
    validateStatusUpdate: (rq) => [...validateQuantities(get(rq, 'status', 'hard'), 'status.hard'), ...validateQuantities(get(rq, 'status', 'used'), 'status.used')],
    table: {
      columns: [nameColumn, ageColumn, column('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'), column('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.')],
      cells(rq, now) {
        const hard = asObj(get(rq, 'status', 'hard')) ?? asObj(get(rq, 'spec', 'hard')) ?? {};
        const used = asObj(get(rq, 'status', 'used')) ?? {};
        return [rq.metadata.name ?? '', age(rq, now), quotaUsage(hard, used, false), quotaUsage(hard, used, true)];
      },
    },
  });
}
