// Label selectors (apimachinery labels and metav1.LabelSelector): requirements, matching, conversion from
// the API form, and printing.
import { labelKeyErrors, labelValueErrors } from './label-validation.js';
import { SelectorError } from './selector-error.js';

/** selection.Operator values, as Kubernetes spells them (they appear in error texts). */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'gt' | 'lt' | 'exists' | '!';

const binaryOperators: readonly LabelOperator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];
export const binaryOperatorList = binaryOperators.join(', ');

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  /** Sorted and de-duplicated when parsed from a string; in API order when built from a spec. */
  readonly values: readonly string[];
}

/** `nothing` is what a nil metav1.LabelSelector means; no requirements match everything. */
export type LabelSelector = { readonly kind: 'nothing' } | { readonly kind: 'requirements'; readonly requirements: readonly LabelRequirement[] };

export interface LabelSelectorRequirementSpec {
  key: string;
  operator: string;
  values?: string[];
}

/** metav1.LabelSelector. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirementSpec[];
}

export const everything: LabelSelector = { kind: 'requirements', requirements: [] };
export const nothing: LabelSelector = { kind: 'nothing' };

/** A field.Error as Error() prints it: `<path>: Invalid value: "<v>": <detail>`. */
function invalid(path: string, value: unknown, detail: string): string {
  return `${path}: Invalid value: ${JSON.stringify(value ?? null)}: ${detail}`;
}

export function validateLabelKey(key: string, path: string): string | undefined {
  const errs = labelKeyErrors(key);
  return errs.length > 0 ? invalid(path, key, errs.join('; ')) : undefined;
}

/** labels.NewRequirement: validates and builds one requirement; throws SelectorError with Kubernetes' text. */
export function newRequirement(key: string, operator: LabelOperator, values: readonly string[]): LabelRequirement {
  const errs: string[] = [];
  const keyErr = validateLabelKey(key, 'key');
  if (keyErr) errs.push(keyErr);
  const valuesForMessage = values.length > 0 ? values : null;
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalid('values', valuesForMessage, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalid('values', valuesForMessage, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalid('values', valuesForMessage, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalid('values', valuesForMessage, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) errs.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default: {
      const no: never = operator;
      throw new Error(String(no));
    }
  }
  values.forEach((v, i) => {
    const valueErrs = labelValueErrors(v);
    if (valueErrs.length > 0) errs.push(invalid(`values[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  if (errs.length === 1) throw new SelectorError(errs[0]);
  if (errs.length > 1) throw new SelectorError(`[${errs.join(', ')}]`);
  return { key, operator, values: [...values] };
}

function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

export function sortByKey(reqs: LabelRequirement[]): LabelRequirement[] {
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export function requirementMatches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && value !== undefined && r.values.includes(value);
    case 'notin':
    case '!=':
      return !has || value === undefined || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      const actual = has && value !== undefined ? parseInt64(value) : undefined;
      const bound = r.values.length === 1 ? parseInt64(r.values[0] ?? '') : undefined;
      if (actual === undefined || bound === undefined) return false;
      return r.operator === 'gt' ? actual > bound : actual < bound;
    }
    default: {
      const no: never = r.operator;
      throw new Error(String(no));
    }
  }
}

/** Whether every requirement holds for `labels` (absent labels are an empty set). */
export function matchesLabels(sel: LabelSelector, labels?: Readonly<Record<string, string>>): boolean {
  if (sel.kind === 'nothing') return false;
  return sel.requirements.every((r) => requirementMatches(r, labels ?? {}));
}

/** metav1.LabelSelectorAsSelector: null/undefined selects nothing, an empty selector everything. */
export function labelSelectorFromSpec(spec: LabelSelectorSpec | null | undefined): LabelSelector {
  if (spec === null || spec === undefined) return nothing;
  const matchLabels = Object.entries(spec.matchLabels ?? {});
  const expressions = spec.matchExpressions ?? [];
  if (matchLabels.length + expressions.length === 0) return everything;
  const reqs: LabelRequirement[] = matchLabels.map(([k, v]) => newRequirement(k, '=', [v]));
  for (const e of expressions) reqs.push(newRequirement(e.key, specOperator(e.operator), e.values ?? []));
  return { kind: 'requirements', requirements: sortByKey(reqs) };
}

function specOperator(op: string): LabelOperator {
  switch (op) {
    case 'In':
      return 'in';
    case 'NotIn':
      return 'notin';
    case 'Exists':
      return 'exists';
    case 'DoesNotExist':
      return '!';
    default:
      throw new SelectorError(`${JSON.stringify(op)} is not a valid label selector operator`);
  }
}

/** labels.SelectorFromSet: key=value for each entry (no validation), sorted by key. */
export function labelSelectorFromSet(set: Readonly<Record<string, string>> | undefined): LabelSelector {
  const reqs = Object.entries(set ?? {}).map(([key, v]): LabelRequirement => ({ key, operator: '=', values: [v] }));
  return { kind: 'requirements', requirements: sortByKey(reqs) };
}

const operatorText: Record<LabelOperator, string> = { in: ' in ', notin: ' notin ', '=': '=', '==': '==', '!=': '!=', gt: '>', lt: '<', exists: '', '!': '' };

export function requirementString(r: LabelRequirement): string {
  const prefix = r.operator === '!' ? '!' : '';
  if (r.operator === 'exists' || r.operator === '!') return `${prefix}${r.key}`;
  const values = r.values.length === 1 ? (r.values[0] ?? '') : [...r.values].sort().join(',');
  const set = r.operator === 'in' || r.operator === 'notin';
  return `${r.key}${operatorText[r.operator]}${set ? `(${values})` : values}`;
}

/** Selector.String(): "app=x,tier in (a,b)"; "" for everything and for nothing. */
export function labelSelectorString(sel: LabelSelector): string {
  return sel.kind === 'nothing' ? '' : sel.requirements.map(requirementString).join(',');
}

/** metav1.FormatLabelSelector, as kubectl prints a selector column: "<none>" when empty, "<error>" when invalid. */
export function formatLabelSelector(spec: LabelSelectorSpec | null | undefined): string {
  let text: string;
  try {
    text = labelSelectorString(labelSelectorFromSpec(spec));
  } catch (e) {
    if (e instanceof SelectorError) return '<error>';
    throw e;
  }
  return text === '' ? '<none>' : text;
}

/** labels.FormatLabels: "a=b,c=d" sorted by key, "<none>" when empty (e.g. a Service's selector column). */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${labels?.[k] ?? ''}`).join(',');
}
