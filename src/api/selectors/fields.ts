// Field selectors (apimachinery fields/selector.go): "metadata.name=x,status.phase!=Running", with
// backslash escaping of "\", "," and "=" in values.
import { getOwn } from '../own.js';
import { SelectorError } from './selector-error.js';

export interface FieldRequirement {
  readonly field: string;
  /** "==" parses to "=" (Kubernetes makes no difference). */
  readonly operator: '=' | '!=';
  readonly value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
}

export const everyField: FieldSelector = { requirements: [] };

/** Splits on commas that are not escaped; escapes stay in the terms. */
function splitTerms(text: string): string[] {
  if (text === '') return [];
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (escaped) escaped = false;
    else if (c === '\\') escaped = true;
    else if (c === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

const termOperators = ['!=', '==', '='] as const;

/** The first operator occurrence splits a term; field names cannot be escaped. */
function splitTerm(term: string): { field: string; op: (typeof termOperators)[number]; rest: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), op, rest: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/** fields.UnescapeValue. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let escaped = false;
  for (const c of s) {
    if (escaped) {
      if (c !== '\\' && c !== ',' && c !== '=') throw new SelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      escaped = false;
    } else if (c === '\\') escaped = true;
    else if (c === ',' || c === '=') {
      // Kubernetes prints the rune with %v, i.e. as its code point number.
      throw new SelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else out += c;
  }
  if (escaped) throw new SelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** fields.EscapeValue. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** fields.ParseSelector; throws SelectorError with Kubernetes' text. Terms come out sorted, as Kubernetes sorts them. */
export function parseFieldSelector(text: string): FieldSelector {
  const terms = splitTerms(text).sort();
  const requirements: FieldRequirement[] = [];
  for (const term of terms) {
    if (term === '') continue;
    const parts = splitTerm(term);
    if (!parts) throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    requirements.push({ field: parts.field, operator: parts.op === '!=' ? '!=' : '=', value: unescapeFieldValue(parts.rest) });
  }
  return { requirements };
}

/** Whether `fields` satisfies every term; a missing field counts as "". */
export function matchesFields(sel: FieldSelector, fields: Readonly<Record<string, string>>): boolean {
  return sel.requirements.every((r) => ((getOwn(fields, r.field) ?? '') === r.value) === (r.operator === '='));
}

export function fieldSelectorRequirements(sel: FieldSelector): readonly FieldRequirement[] {
  return sel.requirements;
}

/** RequiresExactMatch: the value `field` must equal, e.g. "x" for metadata.name in "metadata.name=x". */
export function exactMatch(sel: FieldSelector, field: string): string | undefined {
  return sel.requirements.find((r) => r.field === field && r.operator === '=')?.value;
}

export function fieldSelectorString(sel: FieldSelector): string {
  return sel.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
}

const defaultSelectableFields = ['metadata.name', 'metadata.namespace'];

/**
 * The message kube-apiserver gives (400 BadRequest) for the first term whose field the kind cannot select on,
 * or undefined when all are supported. `supported` is the kind's own list (message
 * "field label not supported: <f>"); omit it for kinds with only the default metadata.name/metadata.namespace
 * (message `"<f>" is not a known field selector: only "metadata.name", "metadata.namespace"`).
 */
export function unsupportedFieldLabelMessage(sel: FieldSelector, supported?: readonly string[]): string | undefined {
  const allowed = supported ?? defaultSelectableFields;
  const bad = sel.requirements.find((r) => !allowed.includes(r.field));
  if (!bad) return undefined;
  return supported ? `field label not supported: ${bad.field}` : `${JSON.stringify(bad.field)} is not a known field selector: only "metadata.name", "metadata.namespace"`;
}
