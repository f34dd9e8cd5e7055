// fieldValidation=Strict|Warn|Ignore: unknown and duplicate fields are an error, a warning, or silently dropped.
import { duplicateFieldMessage, duplicateFields } from '../../api/json-duplicates.js';
import { yamlDuplicateKeys } from '../../api/yaml-duplicates.js';
import type { KubeObject } from '../../api/object.js';
import { unknownFields, visitUnknownFields } from '../../api/schema/index.js';
import { errors } from '../../api/status.js';
import type { RequestContext } from '../types.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(query: URLSearchParams): FieldValidation {
  const v = query.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw errors.badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(v)}: supported values: "Ignore", "Strict", "Warn"`);
}

/**
 * Applies the directive; unknown fields are removed from obj (as Kubernetes' typed decoding drops them), each by
 * its holder and key, so map keys with dots or brackets are no obstacle.
 */
export function checkUnknownFields(obj: KubeObject, definition: string, mode: FieldValidation, ctx: RequestContext): void {
  if (mode !== 'Ignore') {
    const unknown = unknownFields(definition, obj);
    if (unknown.length > 0 && mode === 'Strict') throw errors.badRequest(`strict decoding error: ${unknown.map((p) => `unknown field ${JSON.stringify(p)}`).join(', ')}`);
    for (const p of unknown) ctx.warnings.push(`unknown field ${JSON.stringify(p)}`);
  }
  visitUnknownFields(definition, obj, (parent, key) => {
    delete parent[key];
  });
}

/**
 * Repeated keys of a JSON or YAML body: a warning each (Warn) or a 400 (Strict), as kube-apiserver's strict
 * decoding reports them; the last value stands either way (Warn, Ignore).
 */
export function checkDuplicateFields(body: Uint8Array, type: 'application/json' | 'application/yaml', mode: FieldValidation, ctx: RequestContext): void {
  if (mode === 'Ignore') return;
  const text = Buffer.from(body).toString('utf8');
  if (type === 'application/yaml') {
    const repeats = yamlDuplicateKeys(text);
    if (repeats.length === 0) return;
    const message = `error converting YAML to JSON: yaml: unmarshal errors:\n  ${repeats.join('\n  ')}`;
    if (mode === 'Strict') throw errors.badRequest(`strict decoding error: ${message}`);
    ctx.warnings.push(message);
    return;
  }
  const duplicates = duplicateFields(text);
  if (duplicates.length === 0) return;
  if (mode === 'Strict') throw errors.badRequest(`strict decoding error: ${duplicates.map(duplicateFieldMessage).join(', ')}`);
  for (const p of duplicates) ctx.warnings.push(duplicateFieldMessage(p));
}
