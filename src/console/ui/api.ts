// Calls to the console's JSON API: same origin, the session cookie sent by the browser, the CSRF token in a header
// on every state-changing request.
let csrfToken = '';

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method === 'POST') {
    headers['content-type'] = 'application/json';
    headers['x-requested-with'] = 'a-kube-console';
    if (csrfToken) headers['x-csrf-token'] = csrfToken;
  }
  const res = await fetch(`/console/api/${path}`, { method, headers, credentials: 'same-origin', cache: 'no-store', ...(body !== undefined ? { body: JSON.stringify(body) } : method === 'POST' ? { body: '{}' } : {}) });
  let parsed: unknown;
  try {
    parsed = await res.json();
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const message = parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string' ? parsed.message : `HTTP ${res.status}`;
    throw new ApiError(res.status, message);
  }
  return parsed as T;
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return `${e.status === 403 ? 'Forbidden: ' : ''}${e.message}`;
  return e instanceof Error ? e.message : String(e);
}

export interface UserView {
  name: string;
  groups: string[];
}

export type SessionState = { signedIn: true; user: UserView; csrfToken: string } | { signedIn: false; certificate?: boolean; audit?: boolean };
