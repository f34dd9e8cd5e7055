// The errors of Kubernetes' strategicpatch/mergepatch packages, with the status class kube-apiserver gives
// each (interpretStrategicMergePatchError): listed ones are 400 or 422, everything else a bare 500.
import { PatchError, badRequest, invalidPatch, unknownPatchError } from './errors.js';
import { goFormat, isRecord, jsonKind } from './json-value.js';

export const badPatchFormatForPrimitiveList = (): PatchError => badRequest('invalid patch format of primitive list');
export const badPatchFormatForRetainKeys = (): PatchError => badRequest('invalid patch format of retainKeys');
export const badPatchFormatForSetElementOrderList = (): PatchError => badRequest('invalid patch format of setElementOrder list');
export const noListOfLists = (): PatchError => invalidPatch('lists of lists are not supported');

export const noMergeKey = (m: unknown, key: string): PatchError =>
  unknownPatchError(`map: ${goFormat(m)} does not contain declared merge key: ${key}`);

export const badPatchType = (directive: unknown, m: unknown): PatchError =>
  unknownPatchError(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(m)}`);

/** Go's reflect.TypeOf name for a decoded JSON value. */
function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (Array.isArray(v)) return '[]interface {}';
  if (isRecord(v)) return 'map[string]interface {}';
  return jsonKind(v) === 'number' ? 'float64' : jsonKind(v) === 'boolean' ? 'bool' : 'string';
}

export const expectedList = (actual: unknown): PatchError =>
  unknownPatchError(`expected a []interface {}, but received a ${goTypeName(actual)}`);

export const expectedMap = (actual: unknown): PatchError =>
  unknownPatchError(`expected a map[string]interface {}, but received a ${goTypeName(actual)}`);
