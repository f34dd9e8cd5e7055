// Server side of strategic merge patch: what kube-apiserver does with application/strategic-merge-patch+json.
import { badRequest } from './errors.js';
import { cloneJson, isRecord } from './json-value.js';
import { schemaFor } from './schema.js';
import { mergeMap } from './strategic-merge.js';

const goJsonTypeNames = { array: 'array', string: 'string', number: 'number', boolean: 'bool' } as const;

/**
 * Applies a strategic merge patch (already JSON-decoded) to a copy of `doc`, using the list semantics of
 * OpenAPI definition `definition` (e.g. "io.k8s.api.core.v1.Pod"; parts without schema merge like a JSON
 * merge patch). Throws PatchError (BadRequest / Invalid / Unknown, see errors.ts).
 */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, definition: string): unknown {
  if (patch === null || patch === undefined) return cloneJson(doc);
  if (!isRecord(patch)) {
    const t = Array.isArray(patch) ? 'array' : (typeof patch as 'string' | 'number' | 'boolean');
    throw badRequest(`json: cannot unmarshal ${goJsonTypeNames[t]} into Go value of type map[string]interface {}`);
  }
  if (!isRecord(doc)) throw badRequest('invalid JSON document');
  return mergeMap(cloneJson(doc), cloneJson(patch), schemaFor(definition), 'apply');
}
