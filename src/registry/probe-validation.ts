// Probes and lifecycle hooks of a container (ValidatePodSpec's probe and handler rules): exactly one handler,
// each handler's own fields, non-negative timings, and the per-kind rules (liveness and startup succeed once,
// readiness has no termination grace period).
import { field, type FieldError } from '../api/status.js';
import { isValidPortName, isValidPortNum } from '../api/validation/names.js';
import { asObj, num, objects, str, type Obj } from './fields.js';

const HTTP_SCHEMES = ['HTTP', 'HTTPS'];
const headerNameRe = /^[-A-Za-z0-9]+$/;
const headerNameMsg = "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')";

/** An int-or-string port: a number in range, or a port name. */
function portNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((msg) => field.invalid(path, port, msg));
  if (typeof port === 'string') return isValidPortName(port).map((msg) => field.invalid(path, port, msg));
  return [field.required(path)];
}

const handlers: Record<string, (h: Obj, path: string) => FieldError[]> = {
  exec: (h, path) => (Array.isArray(h.command) && h.command.length > 0 ? [] : [field.required(`${path}.command`)]),
  httpGet: (h, path) => {
    const errs: FieldError[] = [];
    if (str(h.path) === '') errs.push(field.required(`${path}.path`));
    errs.push(...portNumOrName(h.port, `${path}.port`));
    if (!HTTP_SCHEMES.includes(str(h.scheme))) errs.push(field.notSupported(`${path}.scheme`, h.scheme ?? '', HTTP_SCHEMES));
    for (const header of objects(h.httpHeaders)) {
      const name = str(header.name);
      if (!headerNameRe.test(name)) errs.push(field.invalid(`${path}.httpHeaders`, name, headerNameMsg));
    }
    return errs;
  },
  tcpSocket: (h, path) => portNumOrName(h.port, `${path}.port`),
  grpc: (h, path) => {
    // The port is an int32 here (no names): a number in range.
    const port = num(h.port);
    return port === undefined ? [field.required(`${path}.port`)] : isValidPortNum(port).map((msg) => field.invalid(`${path}.port`, port, msg));
  },
  sleep: () => [],
};

/** One handler of those `allowed`, in Kubernetes' order; a second one is refused. */
function validateHandler(h: Obj, path: string, allowed: string[]): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const kind of allowed) {
    const action = asObj(h[kind]);
    if (!action) continue;
    if (count > 0) {
      errs.push(field.forbidden(`${path}.${kind}`, 'may not specify more than 1 handler type'));
      continue;
    }
    count++;
    errs.push(...(handlers[kind]?.(action, `${path}.${kind}`) ?? []));
  }
  if (count === 0) errs.push(field.required(path, 'must specify a handler type'));
  return errs;
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const HOOK_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];
const TIMINGS = ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'];

function validateProbe(probe: Obj, path: string): FieldError[] {
  const errs = validateHandler(probe, path, PROBE_HANDLERS);
  for (const key of TIMINGS) {
    const v = num(probe[key]);
    if (v !== undefined && v < 0) errs.push(field.invalid(`${path}.${key}`, v, 'must be greater than or equal to 0'));
  }
  const grace = num(probe.terminationGracePeriodSeconds);
  if (grace !== undefined && grace <= 0) errs.push(field.invalid(`${path}.terminationGracePeriodSeconds`, grace, 'must be greater than 0'));
  return errs;
}

/** The three probes and the lifecycle hooks of a container that may have them (containers, sidecars). */
export function validateProbesAndHooks(c: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const lifecycle = asObj(c.lifecycle);
  if (lifecycle) {
    for (const hook of ['postStart', 'preStop']) {
      const h = asObj(lifecycle[hook]);
      if (h) errs.push(...validateHandler(h, `${path}.lifecycle.${hook}`, HOOK_HANDLERS));
    }
  }
  for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const probe = asObj(c[kind]);
    if (!probe) continue;
    const p = `${path}.${kind}`;
    errs.push(...validateProbe(probe, p));
    const success = num(probe.successThreshold);
    if (kind !== 'readinessProbe' && success !== undefined && success !== 1) errs.push(field.invalid(`${p}.successThreshold`, success, 'must be 1'));
    if (kind === 'readinessProbe' && probe.terminationGracePeriodSeconds !== undefined && probe.terminationGracePeriodSeconds !== null) {
      errs.push(field.invalid(`${p}.terminationGracePeriodSeconds`, probe.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
    }
  }
  return errs;
}

/** An init container without restartPolicy Always has no probes or hooks. */
export function forbidInitProbes(c: Obj, path: string): FieldError[] {
  if (str(c.restartPolicy) === 'Always') return validateProbesAndHooks(c, path);
  const msg = 'may not be set for init containers without restartPolicy=Always';
  return ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'].filter((k) => c[k] !== undefined && c[k] !== null).map((k) => field.forbidden(`${path}.${k}`, msg));
}
