// RFC 7386 JSON merge patch, as kube-apiserver applies it (evanphx/json-patch MergePatch) and as kubectl
// builds it (CreateMergePatch, used by label/annotate/scale).
import { badRequest } from './errors.js';
import { getOwn, setOwn } from '../own.js';
import { cloneJson, deepEqual, isRecord, type JsonObject } from './json-value.js';

/** Drops null members of objects (also inside arrays): a merge patch never stores a null. */
function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pruneNulls);
  if (!isRecord(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) setOwn(out, k, pruneNulls(x));
  return out;
}

function mergeInto(target: JsonObject, patch: JsonObject): JsonObject {
  for (const [k, pv] of Object.entries(patch)) {
    if (pv === null) {
      delete target[k];
      continue;
    }
    const cur = getOwn(target, k);
    setOwn(target, k, isRecord(cur) && isRecord(pv) ? mergeInto(cur, pv) : pruneNulls(cloneJson(pv)));
  }
  return target;
}

/**
 * Applies a JSON merge patch to a copy of `doc`. A patch that is not an object replaces the document;
 * a null patch is a 400 "Invalid JSON Patch", as in kube-apiserver.
 */
export function applyMergePatch(doc: unknown, patch: unknown): unknown {
  if (patch === null || patch === undefined) throw badRequest('Invalid JSON Patch');
  if (!isRecord(patch)) return cloneJson(patch);
  if (!isRecord(doc)) return pruneNulls(cloneJson(patch));
  return mergeInto(cloneJson(doc), patch);
}

/** The merge patch that turns `original` into `modified` (null for removed keys, arrays replaced whole). */
export function createMergePatch(original: unknown, modified: unknown): unknown {
  if (!isRecord(original) || !isRecord(modified)) return cloneJson(modified);
  const patch: JsonObject = {};
  for (const [k, mv] of Object.entries(modified)) {
    if (!Object.hasOwn(original, k)) {
      setOwn(patch, k, cloneJson(mv));
      continue;
    }
    const ov = original[k];
    if (deepEqual(ov, mv)) continue;
    if (isRecord(ov) && isRecord(mv)) {
      const sub = createMergePatch(ov, mv);
      if (!isRecord(sub) || Object.keys(sub).length > 0) setOwn(patch, k, sub);
    } else {
      setOwn(patch, k, cloneJson(mv));
    }
  }
  for (const k of Object.keys(original)) if (!Object.hasOwn(modified, k)) setOwn(patch, k, null);
  return patch;
}
