// Toleration validation (ValidateTolerations in Kubernetes' core validation), for every kind that carries
// tolerations: RuntimeClass scheduling today.
import { field, type FieldError } from '../api/status.js';
import { isQualifiedName, isValidLabelValue } from '../api/validation/names.js';
import { objects, str } from './fields.js';

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const OPERATORS = ['Equal', 'Exists'];

export function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  objects(tolerations).forEach((t, i) => {
    const at = `${path}[${i}]`;
    const key = str(t['key']);
    const operator = str(t['operator']);
    const effect = str(t['effect']);
    if (key !== '') for (const msg of isQualifiedName(key)) errs.push(field.invalid(`${at}.key`, key, msg));
    if (key === '' && operator !== 'Exists') {
      errs.push(field.invalid(`${at}.operator`, operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t['tolerationSeconds'] !== undefined && t['tolerationSeconds'] !== null && effect !== 'NoExecute') {
      errs.push(field.invalid(`${at}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    const value = str(t['value']);
    if (operator === '' || operator === 'Equal') {
      for (const msg of isValidLabelValue(value)) errs.push(field.invalid(`${at}.operator`, value, msg));
    } else if (operator === 'Exists') {
      if (value !== '') errs.push(field.invalid(`${at}.operator`, t, "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(field.notSupported(`${at}.operator`, operator, OPERATORS));
    }
    if (effect !== '' && !TAINT_EFFECTS.includes(effect)) errs.push(field.notSupported(`${at}.effect`, effect, TAINT_EFFECTS));
  });
  return errs;
}
