// How objects sit in storage: keys, stored JSON (without resourceVersion, which is the revision), revisions.
import type { KubeObject } from '../api/object.js';
import { errors } from '../api/status.js';
import type { KeyValue } from '../storage/types.js';

export function resourcePrefix(r: { group: string; resource: string }): string {
  return `/registry/${r.group || 'core'}/${r.resource}/`;
}

export function decode(kv: KeyValue): KubeObject {
  const obj = JSON.parse(kv.value) as KubeObject;
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}

export function encode(obj: KubeObject): string {
  const { resourceVersion: _rv, selfLink: _sl, ...metadata } = obj.metadata;
  return JSON.stringify({ ...obj, metadata });
}

export function secondsTimestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const continueExpiredMessage =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export function parseRevision(rv: string): number {
  const n = Number(rv);
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(n)) throw errors.badRequest(`invalid resource version: ${rv}`);
  return n;
}
