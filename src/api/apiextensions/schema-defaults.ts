// Structural defaulting of custom resources: a property with a `default` that is absent is set (a copy of the
// default); objects are entered only where present, so a default on `spec.x` applies once `spec` exists.
// A `null` value with a default and no `nullable` is replaced by the default, as kube-apiserver does.
import { isRecord } from '../object.js';
import type { JSONSchemaProps } from './types.js';

export function applyDefaults(value: unknown, schema: JSONSchemaProps): void {
  if (!isRecord(schema)) return;
  if (Array.isArray(value)) {
    if (isRecord(schema.items)) for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isRecord(value)) return;
  const props = isRecord(schema.properties) ? schema.properties : {};
  for (const [k, p] of Object.entries(props)) {
    if (!isRecord(p)) continue;
    const current = Object.hasOwn(value, k) ? value[k] : undefined;
    if ((current === undefined || (current === null && p.nullable !== true)) && p.default !== undefined) {
      Object.defineProperty(value, k, { value: structuredClone(p.default), writable: true, enumerable: true, configurable: true });
    }
    if (Object.hasOwn(value, k)) applyDefaults(value[k], p);
  }
  if (isRecord(schema.additionalProperties)) {
    for (const k of Object.keys(value)) if (!Object.hasOwn(props, k)) applyDefaults(value[k], schema.additionalProperties);
  }
}
