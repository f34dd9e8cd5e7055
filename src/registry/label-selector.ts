// metav1.LabelSelector: validation, matching, and how Kubernetes prints one in field errors.
import { field, type FieldError } from '../api/status.js';
import { isQualifiedName } from '../api/validation/names.js';
import { validateLabels } from '../api/validation/object-meta.js';
import { asObj, objects, str, stringMap, strings } from './fields.js';
import { goStringMap } from '../api/validation/go-format.js';

export function validateLabelSelector(selector: unknown, path: string): FieldError[] {
  const s = asObj(selector);
  if (!s) return [];
  const errs: FieldError[] = [];
  objects(s.matchExpressions).forEach((req, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const op = str(req.operator);
    const values = strings(req.values);
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) errs.push(field.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) errs.push(field.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(field.invalid(`${p}.operator`, req.operator ?? '', 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(str(req.key))) errs.push(field.invalid(`${p}.key`, str(req.key), msg));
  });
  errs.push(...validateLabels(stringMap(s.matchLabels), `${path}.matchLabels`));
  return errs;
}

export function isEmptySelector(selector: unknown): boolean {
  const s = asObj(selector);
  return Object.keys(asObj(s?.matchLabels) ?? {}).length + objects(s?.matchExpressions).length === 0;
}

/** LabelSelectorAsSelector(s).Matches(labels); an empty selector matches everything. */
export function selectorMatches(selector: unknown, labels: Record<string, string> | undefined): boolean {
  const s = asObj(selector);
  const l = labels ?? {};
  for (const [k, v] of Object.entries(stringMap(s?.matchLabels) ?? {})) if (l[k] !== v) return false;
  for (const req of objects(s?.matchExpressions)) {
    const key = str(req.key);
    const has = Object.prototype.hasOwnProperty.call(l, key);
    const values = strings(req.values);
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(l[key] ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(l[key] ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** `v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}` */
export function goLabelSelector(selector: unknown): string {
  const s = asObj(selector);
  if (!s) return '(*v1.LabelSelector)(nil)';
  const labels = s.matchLabels === undefined ? 'map[string]string(nil)' : goStringMap(stringMap(s.matchLabels));
  const exprs = objects(s.matchExpressions);
  const exprText =
    s.matchExpressions === undefined
      ? '[]v1.LabelSelectorRequirement(nil)'
      : `[]v1.LabelSelectorRequirement{${exprs
          .map((e) => {
            const values = e.values === undefined ? '[]string(nil)' : `[]string{${strings(e.values).map((v) => JSON.stringify(v)).join(', ')}}`;
            return `v1.LabelSelectorRequirement{Key:${JSON.stringify(str(e.key))}, Operator:${JSON.stringify(str(e.operator))}, Values:${values}}`;
          })
          .join(', ')}}`;
  return `v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:${exprText}}`;
}
