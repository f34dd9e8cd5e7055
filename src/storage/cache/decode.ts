// Turning a stored KeyValue into the cache's shared, frozen object.
import { isRecord } from '../../api/object.js';
import type { KubeObject } from '../../api/object.js';

export function decodeJsonObject(value: string): KubeObject {
  const parsed: unknown = JSON.parse(value);
  if (!isRecord(parsed) || !isRecord(parsed.metadata)) throw new Error('stored value is not an object with metadata');
  return parsed as KubeObject;
}

/** Decodes (the decoder must return a fresh object), stamps resourceVersion = revision, and deep-freezes. */
export function materialize(decode: (value: string) => KubeObject, value: string, revision: number): Readonly<KubeObject> {
  const obj = decode(value);
  obj.metadata.resourceVersion = String(revision);
  return deepFreeze(obj);
}

/** The same object at a later revision (a deletion's final state), sharing every frozen part but metadata. */
export function atRevision(obj: Readonly<KubeObject>, revision: number): Readonly<KubeObject> {
  return Object.freeze({ ...obj, metadata: Object.freeze({ ...obj.metadata, resourceVersion: String(revision) }) });
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
