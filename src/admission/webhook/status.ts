// The errors a webhook call ends in, as kube-apiserver words them: a denial carries the webhook's own Status
// with `admission webhook "<name>" denied the request: <message>`; a call that failed (network, timeout, bad
// answer) is `failed calling webhook "<name>": ...`, refused as an InternalError unless failurePolicy is Ignore.
import { errors, StatusError, type Status, type StatusCause, type StatusDetails } from '../../api/status.js';
import { isRecord } from '../../api/object.js';

/** A failure to get a usable answer from a webhook (kube-apiserver's ErrCallingWebhook). */
export class CallingWebhookError extends Error {
  override name = 'CallingWebhookError';
  constructor(readonly webhookName: string, reason: string) {
    super(`failed calling webhook ${JSON.stringify(webhookName)}: ${reason}`);
  }
}

export function callFailureStatus(e: CallingWebhookError): StatusError {
  return errors.internal(e);
}

const text = (v: unknown, max = 4096): string | undefined => (typeof v === 'string' && v !== '' ? v.slice(0, max) : undefined);

function details(v: unknown): StatusDetails | undefined {
  if (!isRecord(v)) return undefined;
  const out: StatusDetails = {};
  const name = text(v.name, 253);
  const group = text(v.group, 253);
  const kind = text(v.kind, 253);
  const uid = text(v.uid, 64);
  if (name) out.name = name;
  if (group) out.group = group;
  if (kind) out.kind = kind;
  if (uid) out.uid = uid;
  if (Array.isArray(v.causes)) {
    const causes: StatusCause[] = [];
    for (const c of v.causes.slice(0, 100)) {
      if (!isRecord(c)) continue;
      const cause: StatusCause = {};
      const reason = text(c.reason, 256);
      const message = text(c.message);
      const fieldPath = text(c.field, 1024);
      if (reason) cause.reason = reason;
      if (message) cause.message = message;
      if (fieldPath) cause.field = fieldPath;
      causes.push(cause);
    }
    if (causes.length > 0) out.causes = causes;
  }
  if (typeof v.retryAfterSeconds === 'number' && Number.isInteger(v.retryAfterSeconds) && v.retryAfterSeconds > 0) out.retryAfterSeconds = v.retryAfterSeconds;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The refusal of a webhook that answered allowed: false, from the Status it returned (if any). */
export function denialStatus(webhookName: string, result: Record<string, unknown> | undefined): StatusError {
  const deniedBy = `admission webhook ${JSON.stringify(webhookName)} denied the request`;
  const r = result ?? {};
  const message = text(r.message, 32 * 1024);
  const reason = text(r.reason, 256);
  const full = message ? `${deniedBy}: ${message}` : reason ? `${deniedBy}: ${reason}` : `${deniedBy} without explanation`;
  // A Status without a code is written as 500 (kube-apiserver's ErrorToAPIStatus); codes outside 4xx/5xx likewise.
  const code = typeof r.code === 'number' && Number.isInteger(r.code) && r.code >= 400 && r.code <= 599 ? r.code : 500;
  const d = details(r.details);
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: full,
    ...(reason ? { reason } : {}),
    ...(d ? { details: d } : {}),
    code,
  };
  return new StatusError(status);
}

export function dryRunUnsupported(webhookName: string): StatusError {
  return errors.badRequest(`admission webhook ${JSON.stringify(webhookName)} does not support dry run`);
}
