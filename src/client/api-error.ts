// Errors a REST call can end in: the server's Status (ApiError) or no answer at all (ConnectionError).

export interface ApiStatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** metav1.Status as the client sees it (structurally the same as the server's Status). */
export interface ApiStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: ApiStatusCause[]; retryAfterSeconds?: number };
  code: number;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(readonly status: ApiStatus, options?: { cause?: unknown }) {
    super(status.message ?? status.reason ?? `status ${status.code}`, options);
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

export class ConnectionError extends Error {
  override name = 'ConnectionError';
  constructor(message: string, readonly host: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof ApiError && e.code === 404;
}

export function isAlreadyExists(e: unknown): boolean {
  return e instanceof ApiError && e.reason === 'AlreadyExists';
}

export function isConflict(e: unknown): boolean {
  return e instanceof ApiError && e.reason === 'Conflict';
}

// client-go's NewGenericServerResponse wording, for error answers that are not a Status.
const genericMessages: Record<number, [string, string]> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
  403: ['Forbidden', 'the server does not allow access to the requested resource'],
  404: ['NotFound', 'the server could not find the requested resource'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  406: ['NotAcceptable', 'the server was unable to respond with a content type that the client supports'],
  409: ['Conflict', 'the server reported a conflict'],
  410: ['Gone', 'the server has asked for the client to try again later'],
  415: ['UnsupportedMediaType', 'the server is unable to handle the request'],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
  500: ['InternalError', 'an error on the server has prevented the request from succeeding'],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
};

export function isApiStatus(v: unknown): v is ApiStatus {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'Status' && typeof (v as { code?: unknown }).code === 'number';
}

/** Turns a non-2xx answer into an ApiError: the Status it carries, or a generic one built from the code. */
export function errorFromResponse(code: number, body: Buffer, contentType: string | undefined): ApiError {
  if (contentType?.includes('json')) {
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (isApiStatus(parsed)) return new ApiError(parsed);
    } catch {
      // not JSON after all: fall through to the generic message
    }
  }
  const [reason, text] = genericMessages[code] ?? ['', `an error on the server has prevented the request from succeeding`];
  const trimmed = body.toString('utf8').trim();
  let message = text;
  if (trimmed && (code >= 500 || !genericMessages[code])) message = `an error on the server (${JSON.stringify(trimmed)}) has prevented the request from succeeding`;
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}
