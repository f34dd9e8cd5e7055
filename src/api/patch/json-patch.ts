// RFC 6902 JSON patch with the behaviour of the library kube-apiserver uses (evanphx/json-patch v4):
// the same quirks (a "replace" of a missing object key adds it; a "test" of a missing key against null
// passes), the same operation limit, and the same error classes (see errors.ts).
import { setOwn } from '../own.js';
import { PatchError, badRequest, invalidPatch } from './errors.js';
import { cloneJson, deepEqual, isRecord, jsonKind, type JsonObject } from './json-value.js';

/** kube-apiserver's maxJSONPatchOperations. */
export const maxJsonPatchOperations = 10000;

type Container = JsonObject | unknown[];

interface Located {
  container: Container;
  key: string;
}

/** Failure of one operation; becomes a 422 whose detail is this message. */
class OperationError extends Error {
  override name = 'OperationError';
}

const goTypeNames: Record<ReturnType<typeof jsonKind>, string> = {
  null: 'null',
  boolean: 'bool',
  number: 'number',
  string: 'string',
  array: 'array',
  object: 'object',
};

function decodePatch(patch: unknown): JsonObject[] {
  if (patch === null || patch === undefined) return [];
  if (!Array.isArray(patch)) {
    throw badRequest(`json: cannot unmarshal ${goTypeNames[jsonKind(patch)]} into Go value of type jsonpatch.Patch`);
  }
  return patch.map((op) => {
    if (op === null) return {};
    if (!isRecord(op)) throw badRequest(`json: cannot unmarshal ${goTypeNames[jsonKind(op)]} into Go value of type jsonpatch.Operation`);
    return op;
  });
}

function decodeKey(k: string): string {
  return k.replaceAll('~1', '/').replaceAll('~0', '~');
}

function stringField(op: JsonObject, name: 'path' | 'from', opName: string): string {
  const v = op[name];
  if (typeof v === 'string') return v;
  throw new OperationError(v === undefined || v === null ? `${opName} operation missing ${name} field: missing value` : `${opName} operation failed to decode ${name}`);
}

function child(c: Container, key: string): unknown {
  if (Array.isArray(c)) {
    const idx = arrayIndex(key);
    if (idx >= c.length || idx < -c.length) throw new OperationError(`Unable to access invalid index: ${idx}: invalid index referenced`);
    return c[idx < 0 ? idx + c.length : idx];
  }
  return Object.hasOwn(c, key) ? c[key] : undefined;
}

function arrayIndex(key: string): number {
  if (!/^[+-]?\d+$/.test(key)) throw new OperationError(`strconv.Atoi: parsing ${JSON.stringify(key)}: invalid syntax`);
  return Number(key);
}

/** The parent container of `path` and the last (decoded) key, or undefined when an ancestor is missing. */
function locate(doc: Container, path: string): Located | undefined {
  const parts = path.split('/');
  if (parts.length < 2) return undefined;
  let cur: Container = doc;
  for (const raw of parts.slice(1, -1)) {
    let next: unknown;
    try {
      next = child(cur, decodeKey(raw));
    } catch {
      return undefined;
    }
    if (!Array.isArray(next) && !isRecord(next)) return undefined;
    cur = next;
  }
  return { container: cur, key: decodeKey(parts[parts.length - 1] ?? '') };
}

function add(c: Container, key: string, value: unknown): void {
  if (!Array.isArray(c)) {
    setOwn(c, key, value);
    return;
  }
  if (key === '-') {
    c.push(value);
    return;
  }
  let idx = arrayIndex(key);
  if (idx > c.length || idx < -(c.length + 1)) throw new OperationError(`Unable to access invalid index: ${idx}: invalid index referenced`);
  if (idx < 0) idx += c.length + 1;
  c.splice(idx, 0, value);
}

function remove(c: Container, key: string): unknown {
  if (!Array.isArray(c)) {
    if (!Object.hasOwn(c, key)) throw new OperationError(`Unable to remove nonexistent key: ${key}: missing value`);
    const v = c[key];
    delete c[key];
    return v;
  }
  let idx = arrayIndex(key);
  if (idx >= c.length || idx < -c.length) throw new OperationError(`Unable to access invalid index: ${idx}: invalid index referenced`);
  if (idx < 0) idx += c.length;
  return c.splice(idx, 1)[0];
}

function applyOperation(doc: Container, op: JsonObject): void {
  const kind = typeof op.op === 'string' ? op.op : 'unknown';
  const value = op.value === undefined ? null : op.value;
  switch (kind) {
    case 'add': {
      const path = stringField(op, 'path', 'add');
      const at = locate(doc, path);
      if (!at) throw new OperationError(`add operation does not apply: doc is missing path: "${path}": missing value`);
      wrap(`error in add for path: '${path}'`, () => add(at.container, at.key, cloneJson(value)));
      return;
    }
    case 'remove': {
      const path = stringField(op, 'path', 'remove');
      const at = locate(doc, path);
      if (!at) throw new OperationError(`remove operation does not apply: doc is missing path: "${path}": missing value`);
      wrap(`error in remove for path: '${path}'`, () => remove(at.container, at.key));
      return;
    }
    case 'replace': {
      const path = stringField(op, 'path', 'replace');
      const at = locate(doc, path);
      if (!at) throw new OperationError(`replace operation does not apply: doc is missing path: ${path}: missing value`);
      if (Array.isArray(at.container)) {
        const idx = arrayIndex(at.key);
        if (idx < 0 || idx >= at.container.length) throw new OperationError(`replace operation does not apply: doc is missing key: ${path}: missing value`);
        at.container[idx] = cloneJson(value);
      } else {
        // evanphx/json-patch v4 does not check that the key exists: a replace of a missing key adds it.
        setOwn(at.container, at.key, cloneJson(value));
      }
      return;
    }
    case 'move': {
      const from = stringField(op, 'from', 'move');
      const src = locate(doc, from);
      if (!src) throw new OperationError(`move operation does not apply: doc is missing from path: ${from}: missing value`);
      const moved = wrap(`error in move for path: '${src.key}'`, () => remove(src.container, src.key));
      const path = stringField(op, 'path', 'move');
      const dst = locate(doc, path);
      if (!dst) throw new OperationError(`move operation does not apply: doc is missing destination path: ${path}: missing value`);
      wrap(`error in move for path: '${path}'`, () => add(dst.container, dst.key, moved));
      return;
    }
    case 'copy': {
      const from = stringField(op, 'from', 'copy');
      const src = locate(doc, from);
      if (!src) throw new OperationError(`copy operation does not apply: doc is missing from path: ${from}: missing value`);
      const copied = wrap(`error in copy for from: '${from}'`, () => child(src.container, src.key));
      const path = stringField(op, 'path', 'copy');
      const dst = locate(doc, path);
      if (!dst) throw new OperationError(`copy operation does not apply: doc is missing destination path: ${path}: missing value`);
      wrap('error while adding value during copy', () => add(dst.container, dst.key, cloneJson(copied === undefined ? null : copied)));
      return;
    }
    case 'test': {
      const path = stringField(op, 'path', 'test');
      const at = locate(doc, path);
      if (!at) throw new OperationError(`test operation does not apply: is missing path: ${path}: missing value`);
      const actual = wrap(`error in test for path: '${path}'`, () => child(at.container, at.key));
      const expected = op.value === undefined ? null : op.value;
      if (actual === undefined ? expected === null : deepEqual(actual, expected)) return;
      throw new OperationError(`testing value ${path} failed: test failed`);
    }
    default:
      throw new OperationError(`Unexpected kind: ${kind}`);
  }
}

function wrap<T>(context: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof OperationError) throw new OperationError(`${context}: ${e.message}`);
    throw e;
  }
}

/**
 * Applies an RFC 6902 patch (already JSON-decoded) to a copy of `doc`.
 * Throws PatchError: BadRequest for a patch that is not a list of operations, RequestEntityTooLarge past
 * 10000 operations, Invalid (422) when an operation does not apply.
 */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  const ops = decodePatch(patch);
  if (ops.length > maxJsonPatchOperations) {
    throw new PatchError('RequestEntityTooLarge', `Request entity too large: The allowed maximum operations in a JSON patch is ${maxJsonPatchOperations}, got ${ops.length}`);
  }
  const copy = cloneJson(doc);
  if (!Array.isArray(copy) && !isRecord(copy)) throw badRequest('invalid JSON document');
  for (const op of ops) {
    try {
      applyOperation(copy, op);
    } catch (e) {
      if (e instanceof OperationError) throw invalidPatch(e.message);
      throw e;
    }
  }
  return copy;
}
