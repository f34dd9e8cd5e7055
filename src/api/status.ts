// Every API error, in the wire form kube-apiserver gives it (a metav1.Status).
// One constructor per reason fixes code, reason and wording; toStatusError() is the one normaliser.
import { qualifiedKind, qualifiedResource } from './resource-info.js';

export const statusCodes = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
} as const satisfies Record<string, number>;

export type StatusReason = keyof typeof statusCodes;

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: StatusReason | string;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  override name = 'StatusError';
  constructor(readonly status: Status, options?: { cause?: unknown }) {
    super(status.message ?? status.reason ?? 'error', options);
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

export function makeStatus(reason: StatusReason, message: string, details?: StatusDetails): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code: statusCodes[reason] };
  if (details) s.details = cleanDetails(details);
  // key order as kube-apiserver writes it: ..., message, reason, details, code
  return { kind: s.kind, apiVersion: s.apiVersion, metadata: s.metadata, status: s.status, message: s.message, reason: s.reason, ...(s.details ? { details: s.details } : {}), code: s.code };
}

function cleanDetails(d: StatusDetails): StatusDetails {
  const out: StatusDetails = {};
  if (d.name) out.name = d.name;
  if (d.group) out.group = d.group;
  if (d.kind) out.kind = d.kind;
  if (d.uid) out.uid = d.uid;
  if (d.causes && d.causes.length > 0) out.causes = d.causes;
  if (d.retryAfterSeconds) out.retryAfterSeconds = d.retryAfterSeconds;
  return out;
}

export function successStatus(details?: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', ...(details ? { details: cleanDetails(details) } : {}), code: 200 };
}

interface GR {
  group: string;
  resource: string;
}

function err(reason: StatusReason, message: string, details?: StatusDetails): StatusError {
  return new StatusError(makeStatus(reason, message, details));
}

export const errors = {
  notFound: (gr: GR, name: string) =>
    err('NotFound', `${qualifiedResource(gr)} "${name}" not found`, { name, group: gr.group, kind: gr.resource }),
  /** An unknown resource under a served group/version, or an unknown path. */
  notFoundPath: () => err('NotFound', 'the server could not find the requested resource', {}),
  alreadyExists: (gr: GR, name: string) =>
    err('AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, { name, group: gr.group, kind: gr.resource }),
  conflict: (gr: GR, name: string, detail: string) =>
    err('Conflict', `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${detail}`, { name, group: gr.group, kind: gr.resource }),
  optimisticLockMessage: 'the object has been modified; please apply your changes to the latest version and try again',
  invalid: (gk: { group: string; kind: string }, name: string, fieldErrors: FieldError[]) => {
    const texts = fieldErrors.map(formatFieldError);
    const joined = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
    return err('Invalid', `${qualifiedKind(gk)} "${name}" is invalid: ${joined}`, {
      name,
      group: gk.group,
      kind: gk.kind,
      causes: fieldErrors.map((fe) => ({ reason: fieldErrorReason[fe.type], message: formatFieldErrorBody(fe), field: fe.field })),
    });
  },
  badRequest: (message: string) => err('BadRequest', message),
  unauthorized: (message = 'Unauthorized') => err('Unauthorized', message),
  /** Forbidden with the message already built (authorization builds its own; see auth/authz/forbidden-message.ts). */
  forbidden: (gr: GR, name: string, inner: string) => {
    const prefix = gr.resource === '' && gr.group === '' ? 'forbidden' : name ? `${qualifiedResource(gr)} "${name}" is forbidden` : `${qualifiedResource(gr)} is forbidden`;
    return err('Forbidden', `${prefix}: ${inner}`, { name, group: gr.group, kind: gr.resource });
  },
  methodNotAllowed: (action: string, gr: GR) =>
    err('MethodNotAllowed', `${action} is not supported on resources of kind "${qualifiedResource(gr)}"`, { group: gr.group, kind: gr.resource }),
  notAcceptable: (accepted: string) =>
    err('NotAcceptable', `only the following media types are accepted: ${accepted}`),
  unsupportedMediaType: (contentType: string, supported: string[]) =>
    err('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${supported.join(', ')}`, {}, ),
  tooLarge: () => err('RequestEntityTooLarge', 'Request entity too large: limit is 3145728'),
  expired: (message: string) => err('Expired', message),
  tooOldResourceVersion: (requested: number | string, oldest: number) => err('Expired', `too old resource version: ${requested} (${oldest})`),
  internal: (cause: unknown) => {
    const message = cause instanceof Error ? cause.message : String(cause);
    return new StatusError(makeStatus('InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] }), { cause });
  },
  /** 429 without Retry-After (as NewTooManyRequests(msg, 0)); causes explain which limit was hit. */
  tooManyRequests: (message: string, causes: StatusCause[] = []) => err('TooManyRequests', message, { causes }),
  timeout: (message: string) => err('Timeout', `Timeout: ${message}`),
  serviceUnavailable: (message: string) => err('ServiceUnavailable', message),
};

// ---- field errors (k8s.io/apimachinery/pkg/util/validation/field) ----

export type FieldErrorType = 'Required' | 'Invalid' | 'NotSupported' | 'Duplicate' | 'Forbidden' | 'TooLong' | 'TooMany' | 'NotFound' | 'InternalError';

export interface FieldError {
  type: FieldErrorType;
  field: string;
  value?: unknown;
  detail?: string;
  /** For NotSupported: the values that are. */
  supported?: string[];
  /** The value exactly as Kubernetes prints it when JSON would differ (Go's `map[string]string{...}`). */
  renderedValue?: string;
}

const fieldErrorReason: Record<FieldErrorType, string> = {
  Required: 'FieldValueRequired',
  Invalid: 'FieldValueInvalid',
  NotSupported: 'FieldValueNotSupported',
  Duplicate: 'FieldValueDuplicate',
  Forbidden: 'FieldValueForbidden',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
  NotFound: 'FieldValueNotFound',
  InternalError: 'InternalError',
};

const fieldErrorText: Record<FieldErrorType, string> = {
  Required: 'Required value',
  Invalid: 'Invalid value',
  NotSupported: 'Unsupported value',
  Duplicate: 'Duplicate value',
  Forbidden: 'Forbidden',
  TooLong: 'Too long',
  TooMany: 'Too many',
  NotFound: 'Not found',
  InternalError: 'Internal error',
};

function formatValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  return JSON.stringify(v);
}

/** "Invalid value: \"Foo\": detail" (the part after the field path). */
export function formatFieldErrorBody(fe: FieldError): string {
  let s = fieldErrorText[fe.type];
  const showsValue = fe.type === 'Invalid' || fe.type === 'NotSupported' || fe.type === 'Duplicate' || fe.type === 'NotFound' || (fe.type === 'TooMany' && fe.value !== undefined);
  if (showsValue && fe.renderedValue !== undefined) s += `: ${fe.renderedValue}`;
  else if (showsValue && fe.value !== undefined) s += `: ${formatValue(fe.value)}`;
  if (fe.type === 'NotSupported' && fe.supported && fe.supported.length > 0) {
    s += `: supported values: ${fe.supported.map((x) => JSON.stringify(x)).join(', ')}`;
  } else if (fe.detail) s += `: ${fe.detail}`;
  return s;
}

export function formatFieldError(fe: FieldError): string {
  return `${fe.field}: ${formatFieldErrorBody(fe)}`;
}

export const field = {
  required: (path: string, detail?: string): FieldError => ({ type: 'Required', field: path, ...(detail ? { detail } : {}) }),
  invalid: (path: string, value: unknown, detail?: string): FieldError => ({ type: 'Invalid', field: path, value, ...(detail ? { detail } : {}) }),
  notSupported: (path: string, value: unknown, supported: string[]): FieldError => ({ type: 'NotSupported', field: path, value, supported }),
  duplicate: (path: string, value: unknown): FieldError => ({ type: 'Duplicate', field: path, value }),
  forbidden: (path: string, detail: string): FieldError => ({ type: 'Forbidden', field: path, detail }),
  tooLong: (path: string, max: number): FieldError => ({ type: 'TooLong', field: path, detail: `may not be more than ${max} bytes` }),
};

/** The one normaliser: anything thrown becomes a StatusError (unknown errors are 500 InternalError). */
export function toStatusError(e: unknown): StatusError {
  if (e instanceof StatusError) return e;
  return errors.internal(e);
}
