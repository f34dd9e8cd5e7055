// Content negotiation: what the client accepts → how we encode (JSON, YAML, Table, PartialObjectMetadata) or 406.
import { errors } from '../api/status.js';

export type OutputKind =
  | { kind: 'json' }
  | { kind: 'yaml' }
  | { kind: 'table'; version: 'v1' | 'v1beta1' }
  | { kind: 'partial'; version: 'v1' | 'v1beta1'; list: boolean };

interface MediaRange {
  type: string;
  params: Map<string, string>;
}

function parseAccept(accept: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of accept.split(',')) {
    const [typePart, ...paramParts] = part.split(';');
    const type = (typePart ?? '').trim().toLowerCase();
    if (!type) continue;
    const params = new Map<string, string>();
    for (const p of paramParts) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
    }
    if (params.get('q') === '0') continue;
    out.push({ type, params });
  }
  return out;
}

const cache = new Map<string, OutputKind | null>();
const acceptedTypes = 'application/json, application/yaml, application/vnd.kubernetes.protobuf';

function choose(accept: string): OutputKind | null {
  if (!accept.trim()) return { kind: 'json' };
  for (const r of parseAccept(accept)) {
    const as = r.params.get('as');
    if (r.type === 'application/json' || r.type === 'application/*' || r.type === '*/*') {
      if (!as) return { kind: 'json' };
      const g = r.params.get('g');
      const v = r.params.get('v');
      if (g !== 'meta.k8s.io' || (v !== 'v1' && v !== 'v1beta1')) continue;
      if (as === 'Table') return { kind: 'table', version: v };
      if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { kind: 'partial', version: v, list: as === 'PartialObjectMetadataList' };
      continue;
    }
    if ((r.type === 'application/yaml' || r.type === 'text/yaml') && !as) return { kind: 'yaml' };
  }
  return null;
}

/** The output for an Accept header; 406 when nothing we produce is acceptable. */
export function negotiate(accept: string | undefined): OutputKind {
  const key = accept ?? '';
  let hit = cache.get(key);
  if (hit === undefined) {
    hit = choose(key);
    if (cache.size > 500) cache.clear();
    cache.set(key, hit);
  }
  if (hit === null) throw errors.notAcceptable(acceptedTypes);
  return hit;
}

/** True when the Accept header names `type` (ignoring parameters). */
export function accepts(accept: string | undefined, type: string): boolean {
  return parseAccept(accept ?? '').some((r) => r.type === type);
}
