// Shared by Secrets and ConfigMaps: key format, total size, the `immutable` flag.
import { field, type FieldError } from '../api/status.js';
import { semanticEqual } from '../api/validation/equality.js';
import { isConfigMapKey } from '../api/validation/names.js';
import type { KubeObject } from '../api/object.js';
import type { Obj } from './fields.js';

export const MAX_DATA_SIZE = 1024 * 1024;

export function validateKeys(data: Obj | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(data ?? {})) for (const msg of isConfigMapKey(key)) errs.push(field.invalid(`${path}[${key}]`, key, msg));
  return errs;
}

/** Decoded byte size of base64 values (Secret data, ConfigMap binaryData). */
export function base64Size(data: Obj | undefined): number {
  let total = 0;
  for (const v of Object.values(data ?? {})) if (typeof v === 'string') total += Buffer.from(v, 'base64').length;
  return total;
}

export function validateImmutableData(obj: KubeObject, old: KubeObject, dataFields: string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  const message = 'field is immutable when `immutable` is set';
  if (obj.immutable !== true) errs.push(field.forbidden('immutable', message));
  for (const f of dataFields) if (!semanticEqual(obj[f], old[f])) errs.push(field.forbidden(f, message));
  return errs;
}
