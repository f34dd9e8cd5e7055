// Building replies: JSON objects, pre-encoded JSON text, Status errors, and the Warning header.
import type { ApiResponse, RequestContext } from './types.js';
import { toStatusError } from '../api/status.js';

export const jsonContentType = 'application/json';

/** A JSON body ends with a newline, as Kubernetes' JSON encoder writes it. */
export function jsonText(status: number, text: string, headers: Record<string, string | string[]> = {}): ApiResponse {
  return { status, headers: { 'content-type': jsonContentType, ...headers }, body: text.endsWith('\n') ? text : `${text}\n` };
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

/**
 * A Go-quoted string restricted to ASCII (strconv.QuoteToASCII): header values cannot carry other characters
 * (a field name from the client may hold any), and Go clients unquote \u and \U escapes.
 */
function quoteToAscii(text: string): string {
  return JSON.stringify(text).replace(/[^\x20-\x7e]/gu, (c) => {
    const cp = c.codePointAt(0) ?? 0;
    return cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}

/** `Warning: 299 - "<text>"` headers (k8s escapes the text as a Go quoted string). */
export function withWarnings(res: ApiResponse, ctx: RequestContext): ApiResponse {
  if (ctx.warnings.length === 0) return res;
  const values = ctx.warnings.map((w) => `299 - ${quoteToAscii(w)}`);
  return { ...res, headers: { ...res.headers, warning: values } };
}
