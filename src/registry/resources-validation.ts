// Container resource requirements (ValidateResourceRequirements in pkg/apis/core/validation).
import { field, type FieldError } from '../api/status.js';
import { parseQuantity, QUANTITY_FORMAT_ERROR } from '../api/validation/quantity.js';
import { asObj, type Obj } from './fields.js';

const overcommitForbidden = (name: string): boolean => name.startsWith('hugepages-') || (name.includes('/') && !name.startsWith('kubernetes.io/'));

function validateList(list: Obj | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, q] of Object.entries(list ?? {})) {
    const value = parseQuantity(q);
    const keyPath = `${path}[${name}]`;
    if (value === undefined) errs.push(field.invalid(keyPath, q, QUANTITY_FORMAT_ERROR));
    else if (value < 0) errs.push(field.invalid(keyPath, String(q), 'must be greater than or equal to 0'));
  }
  return errs;
}

export function validateResources(resources: unknown, path: string): FieldError[] {
  const r = asObj(resources);
  if (!r) return [];
  const limits = asObj(r.limits);
  const requests = asObj(r.requests);
  const errs = [...validateList(limits, `${path}.limits`), ...validateList(requests, `${path}.requests`)];
  for (const [name, q] of Object.entries(requests ?? {})) {
    if (!limits || !Object.hasOwn(limits, name)) continue;
    const req = parseQuantity(q);
    const lim = parseQuantity(limits[name]);
    if (req === undefined || lim === undefined) continue;
    if (overcommitForbidden(name) && req !== lim) {
      errs.push(field.invalid(`${path}.requests`, String(q), `must be equal to ${name} limit of ${String(limits[name])}`));
    } else if (req > lim) {
      errs.push(field.invalid(`${path}.requests`, String(q), `must be less than or equal to ${name} limit of ${String(limits[name])}`));
    }
  }
  return errs;
}
