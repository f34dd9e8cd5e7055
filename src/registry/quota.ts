// core/v1 LimitRange and ResourceQuota.
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { parseQuantity, QUANTITY_FORMAT_ERROR } from '../api/validation/quantity.js';
import { getOwn, setOwn } from '../api/own.js';
import { compareQuantities, formatQuantity, toQuantity, type Quantity } from '../api/quantity.js';
import { asObj, child, get, objects, str } from './fields.js';
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

/** A Container item's defaults follow from its max (default limit) and from default and min (default request). */
function defaultLimitRangeItem(item: Record<string, unknown>): void {
  if (item['type'] !== 'Container') return;
  const defaults = child(item, 'default');
  const defaultRequest = child(item, 'defaultRequest');
  for (const [k, v] of Object.entries(asObj(item['max']) ?? {})) if (getOwn(defaults, k) === undefined) setOwn(defaults, k, v);
  for (const [k, v] of Object.entries(defaults)) if (getOwn(defaultRequest, k) === undefined) setOwn(defaultRequest, k, v);
  for (const [k, v] of Object.entries(asObj(item['min']) ?? {})) if (getOwn(defaultRequest, k) === undefined) setOwn(defaultRequest, k, v);
  if (Object.keys(defaults).length === 0) delete item['default'];
  if (Object.keys(defaultRequest).length === 0) delete item['defaultRequest'];
}

function quantityMap(v: unknown): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [k, raw] of Object.entries(asObj(v) ?? {})) {
    const q = toQuantity(raw);
    if (q) out.set(k, q);
  }
  return out;
}

/** How min, max, default, defaultRequest and maxLimitRequestRatio of one item must relate. */
function validateLimitRangeItem(limit: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(limit['type']);
  if (type === 'Pod') {
    if (Object.keys(asObj(limit['default']) ?? {}).length > 0) errs.push(field.forbidden(`${path}.default`, "may not be specified when `type` is 'Pod'"));
    if (Object.keys(asObj(limit['defaultRequest']) ?? {}).length > 0) errs.push(field.forbidden(`${path}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
  }
  const min = quantityMap(limit['min']);
  const max = quantityMap(limit['max']);
  const def = type === 'Pod' ? new Map<string, Quantity>() : quantityMap(limit['default']);
  const defReq = type === 'Pod' ? new Map<string, Quantity>() : quantityMap(limit['defaultRequest']);
  const ratio = quantityMap(limit['maxLimitRequestRatio']);
  if (type === 'PersistentVolumeClaim' && !min.has('storage') && !max.has('storage')) {
    errs.push(field.required(`${path}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
  }
  const keys = [...new Set([...min.keys(), ...max.keys(), ...def.keys(), ...defReq.keys(), ...ratio.keys()])].sort();
  const f = formatQuantity;
  for (const k of keys) {
    const mn = min.get(k), mx = max.get(k), d = def.get(k), dr = defReq.get(k), r = ratio.get(k);
    if (mn && mx && compareQuantities(mn, mx) > 0) errs.push(field.invalid(`${path}.min[${k}]`, f(mn), `min value ${f(mn)} is greater than max value ${f(mx)}`));
    if (dr && mn && compareQuantities(mn, dr) > 0) errs.push(field.invalid(`${path}.defaultRequest[${k}]`, f(dr), `min value ${f(mn)} is greater than default request value ${f(dr)}`));
    if (dr && mx && compareQuantities(dr, mx) > 0) errs.push(field.invalid(`${path}.defaultRequest[${k}]`, f(dr), `default request value ${f(dr)} is greater than max value ${f(mx)}`));
    if (dr && d && compareQuantities(dr, d) > 0) errs.push(field.invalid(`${path}.defaultRequest[${k}]`, f(dr), `default request value ${f(dr)} is greater than default limit value ${f(d)}`));
    if (d && mn && compareQuantities(mn, d) > 0) errs.push(field.invalid(`${path}.default[${k}]`, f(mn), `min value ${f(mn)} is greater than default value ${f(d)}`));
    if (d && mx && compareQuantities(d, mx) > 0) errs.push(field.invalid(`${path}.default[${k}]`, f(mx), `default value ${f(d)} is greater than max value ${f(mx)}`));
    if (r && r.nanos < 1_000_000_000n) errs.push(field.invalid(`${path}.maxLimitRequestRatio[${k}]`, f(r), `ratio ${f(r)} is less than 1`));
    if (r && mn && mx && mn.nanos > 0n) {
      const maxRatio = Number(mx.nanos) / Number(mn.nanos);
      if (Number(r.nanos) / 1e9 > maxRatio) errs.push(field.invalid(`${path}.maxLimitRequestRatio[${k}]`, f(r), `ratio ${f(r)} is greater than max/min = ${maxRatio.toFixed(6)}`));
    }
  }
  return errs;
}

export function limitRangeStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    allowCreateOnUpdate: true,
    defaults(lr) {
      for (const limit of objects(get(lr, 'spec', 'limits'))) defaultLimitRangeItem(limit);
    },
    validate(lr) {
      const errs: FieldError[] = [];
      objects(get(lr, 'spec', 'limits')).forEach((limit, i) => {
        const path = `spec.limits[${i}]`;
        const type = str(limit.type);
        if (!LIMIT_TYPES.includes(type)) errs.push(field.notSupported(`${path}.type`, type, LIMIT_TYPES));
        const before = errs.length;
        for (const key of ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio']) errs.push(...validateQuantities(limit[key], `${path}.${key}`));
        if (errs.length === before) errs.push(...validateLimitRangeItem(limit, path));
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
