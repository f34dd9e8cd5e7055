// Template values: JSON data, plus Go's "invalid" value (a missing map key) and the kinds of literals.

import { isRecord } from '../../../api/object.js';

/** Go's invalid reflect.Value, printed as `<no value>`. */
export const MISSING: unique symbol = Symbol('missing');

/** A float literal from the template (`2.0`), which Go keeps apart from integers. */
export class FloatLiteral {
  constructor(readonly value: number) {}
}

export class ExecError extends Error {
  override name = 'ExecError';
}

export function goType(v: unknown): string {
  if (v === MISSING || v === null || v === undefined) return '<nil>';
  if (v instanceof FloatLiteral) return 'float64';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (isRecord(v)) return 'map[string]interface {}';
  return 'interface {}';
}

export function plain(v: unknown): unknown {
  return v instanceof FloatLiteral ? v.value : v;
}

/** text/template's truth: false for missing, nil, false, 0, "" and empty collections. */
export function truthy(v: unknown): boolean {
  const p = plain(v);
  if (p === MISSING || p === null || p === undefined) return false;
  if (typeof p === 'boolean') return p;
  if (typeof p === 'number') return p !== 0;
  if (typeof p === 'string') return p !== '';
  if (Array.isArray(p)) return p.length > 0;
  if (isRecord(p)) return Object.keys(p).length > 0;
  return true;
}
