// What client-side apply sends: the last-applied annotation, and the patch from (last-applied, manifest, live).
import { getOwn, setOwn } from '../api/own.js';
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';

export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

/** Go's encoding/json of a map: keys sorted at every level (kubectl encodes the manifest as unstructured). */
export function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (isRecord(v)) {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${sortedJson(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The manifest as apply sends it: annotated with its own serialisation (without that annotation), as kubectl does. */
export function withLastApplied(obj: KubeObject): KubeObject {
  const annotations = { ...obj.metadata.annotations };
  delete annotations[lastAppliedAnnotation];
  const original = { ...obj, metadata: { ...obj.metadata, annotations } };
  return { ...obj, metadata: { ...obj.metadata, annotations: { ...annotations, [lastAppliedAnnotation]: `${sortedJson(original)}\n` } } };
}

export function lastAppliedOf(live: KubeObject): unknown {
  const text = live.metadata.annotations?.[lastAppliedAnnotation];
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function additions(current: unknown, modified: unknown): unknown {
  if (!isRecord(modified)) return modified;
  const out: Record<string, unknown> = {};
  const cur = isRecord(current) ? current : {};
  for (const [k, v] of Object.entries(modified)) {
    const c = getOwn(cur, k);
    if (isRecord(v) && isRecord(c)) {
      const sub = additions(c, v);
      if (isRecord(sub) && Object.keys(sub).length > 0) setOwn(out, k, sub);
    } else if (JSON.stringify(c) !== JSON.stringify(v)) setOwn(out, k, v);
  }
  return out;
}

function deletions(original: unknown, modified: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isRecord(original)) return out;
  const mod = isRecord(modified) ? modified : {};
  for (const [k, v] of Object.entries(original)) {
    const m = getOwn(mod, k);
    if (!Object.hasOwn(mod, k)) setOwn(out, k, null);
    else if (isRecord(v) && isRecord(m)) {
      const sub = deletions(v, m);
      if (Object.keys(sub).length > 0) setOwn(out, k, sub);
    }
  }
  return out;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const have = getOwn(out, k);
    setOwn(out, k, isRecord(v) && isRecord(have) ? deepMerge(have, v) : v);
  }
  return out;
}

/** kubectl's CreateThreeWayJSONMergePatch: for kinds without strategic-merge metadata. */
export function createThreeWayJsonMergePatch(original: unknown, modified: unknown, current: unknown): Record<string, unknown> {
  const add = additions(current, modified);
  return deepMerge(deletions(original, modified), isRecord(add) ? add : {});
}
