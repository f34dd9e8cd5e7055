// Building replies: JSON objects, pre-encoded JSON text, Status errors, and the Warning header.
import type { ApiResponse, RequestContext } from './types.js';
import { toStatusError } from './status.js';

export const jsonContentType = 'application/json';

export function jsonText(status: number, text: string, headers: Record<string, string | string[]> = {}): ApiResponse {
  return { status, headers: { 'content-type': jsonContentType, ...headers }, body: text };
}

export function jsonResponse(status: number, value: unknown, headers: Record<string, string | string[]> = {}): ApiResponse {
  return jsonText(status, JSON.stringify(value), headers);
}

export function textResponse(status: number, text: string): ApiResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }, body: text };
}

/** Any thrown value → its Status reply (unknown errors become 500 InternalError). */
export function errorResponse(e: unknown): ApiResponse {
  const err = toStatusError(e);
  if (err.code >= 500 && !(e instanceof Error && e.name === 'StatusError')) {
    console.error('apiserver: internal error:', e);
  }
  return jsonResponse(err.code, err.status, { 'x-content-type-options': 'nosniff' });
}

/** `Warning: 299 - "<text>"` headers (k8s escapes the text as a Go quoted string). */
export function withWarnings(res: ApiResponse, ctx: RequestContext): ApiResponse {
  if (ctx.warnings.length === 0) return res;
  const values = ctx.warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  return { ...res, headers: { ...res.headers, warning: values } };
}
