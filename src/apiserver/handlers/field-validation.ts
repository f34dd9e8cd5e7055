// fieldValidation=Strict|Warn|Ignore: unknown and duplicate fields are an error, a warning, or silently dropped.
import { duplicateFieldMessage, duplicateFields } from '../../api/json-duplicates.js';
import { getOwn } from '../../api/own.js';
import { yamlDuplicateKeys } from '../../api/yaml-duplicates.js';
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { formatPath, unknownFieldPaths, type PathStep } from '../../api/schema/index.js';
import { errors } from '../../api/status.js';
import type { RequestContext } from '../types.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function parseFieldValidation(query: URLSearchParams): FieldValidation {
  const v = query.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw errors.badRequest(`fieldValidation: Unsupported value: ${JSON.stringify(v)}: supported values: "Ignore", "Strict", "Warn"`);
}

/** Applies the directive; unknown fields are removed from obj (as Kubernetes' typed decoding drops them). */
export function checkUnknownFields(obj: KubeObject, definition: string, mode: FieldValidation, ctx: RequestContext): void {
  const paths = unknownFieldPaths(definition, obj);
  if (paths.length === 0) return;
  // sigs.k8s.io/json reports each path once, at most 100
  const unknown = [...new Set(paths.map(formatPath))].slice(0, 100);
  if (mode === 'Strict') throw errors.badRequest(`strict decoding error: ${unknown.map((p) => `unknown field ${JSON.stringify(p)}`).join(', ')}`);
  if (mode === 'Warn') for (const p of unknown) ctx.warnings.push(`unknown field ${JSON.stringify(p)}`);
  for (const p of paths) removePath(obj, p);
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

/** Deletes the field at `steps` (keys and list indices; a key may contain dots or brackets). */
export function removePath(root: unknown, steps: readonly PathStep[]): void {
  let node: unknown = root;
  for (let i = 0; i < steps.length - 1; i++) {
    const s = steps[i]!;
    if (typeof s === 'number') node = Array.isArray(node) ? node[s] : undefined;
    else node = isRecord(node) ? getOwn(node, s) : undefined;
    if (node === undefined) return;
  }
  const last = steps[steps.length - 1];
  if (typeof last === 'string' && isRecord(node) && Object.hasOwn(node, last)) delete node[last];
}
