// Helpers the review and TokenRequest handlers share: decoding the body for the request's version, replying 201.
import { getOwn, setOwn } from '../../api/own.js';
import { isRecord, type KubeObject } from '../../api/object.js';
import { decodeObject } from '../../apiserver/body.js';
import type { CustomScope } from '../../apiserver/router.js';
import { jsonResponse } from '../../apiserver/responses.js';
import type { ApiResponse } from '../../apiserver/types.js';

/** The body as the kind the URL names (by default the resource's kind, in the URL's group/version). */
export async function decodeReview(s: CustomScope, expected: { group: string; version: string; kind: string } = { group: s.info.apiGroup, version: s.info.apiVersion, kind: s.resource.kind }): Promise<KubeObject> {
  return decodeObject(s.req, expected);
}

export function specOf(obj: KubeObject): Record<string, unknown> {
  return isRecord(obj['spec']) ? obj['spec'] : {};
}

export function str(r: Record<string, unknown>, key: string): string {
  const v = getOwn(r, key);
  return typeof v === 'string' ? v : '';
}

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function extraOf(v: unknown): Record<string, string[]> | undefined {
  if (!isRecord(v)) return undefined;
  const out: Record<string, string[]> = {};
  for (const [k, val] of Object.entries(v)) setOwn(out, k, strings(val));
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The review echoed back with its status (201, as kube-apiserver answers a create). */
export function reviewResponse(obj: KubeObject, status: Record<string, unknown>): ApiResponse {
  const { status: _ignored, ...rest } = obj;
  return jsonResponse(201, { ...rest, metadata: { ...obj.metadata }, status });
}
