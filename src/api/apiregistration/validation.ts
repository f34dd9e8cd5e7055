// APIService defaults and validation with kube-apiserver's texts (kube-aggregator's validation of apiregistration/v1).
import type { KubeObject } from '../object.js';
import { isRecord } from '../object.js';
import { field, type FieldError } from '../status.js';
import { isDNS1035Label, isDNS1123Subdomain, isValidPathSegmentName, isValidPortNum, type NameValidator } from '../validation/names.js';
import { asAPIService } from './types.js';

/** v1 defaulting: a service reference without a port means 443. */
export function defaultAPIService(obj: KubeObject): void {
  const spec = obj['spec'];
  if (!isRecord(spec)) return;
  const svc = spec['service'];
  if (isRecord(svc) && svc['port'] === undefined) svc['port'] = 443;
}

/** metadata.name must be a path segment and exactly "<spec.version>.<spec.group>". */
export function apiServiceNameValidator(obj: Readonly<KubeObject>): NameValidator {
  const spec = asAPIService(obj).spec ?? {};
  const required = `${typeof spec.version === 'string' ? spec.version : ''}.${typeof spec.group === 'string' ? spec.group : ''}`;
  return (name) => {
    const minimal = isValidPathSegmentName(name);
    if (minimal.length > 0) return minimal;
    return name === required ? [] : [`must be \`spec.version+"."+spec.group\`: ${JSON.stringify(required)}`];
  };
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/** spec rules (metadata is checked by the strategy with apiServiceNameValidator). */
export function validateAPIServiceSpec(obj: Readonly<KubeObject>): FieldError[] {
  const errs: FieldError[] = [];
  const rawSpec = obj['spec'];
  const spec = isRecord(rawSpec) ? rawSpec : {};
  const group = typeof spec['group'] === 'string' ? spec['group'] : '';
  const version = typeof spec['version'] === 'string' ? spec['version'] : '';
  if (group === '' && version !== 'v1') errs.push(field.required('spec.group', 'only v1 may have an empty group and it better be legacy kube'));
  if (group !== '') for (const msg of isDNS1123Subdomain(group)) errs.push(field.invalid('spec.group', group, msg));
  for (const msg of isDNS1035Label(version)) errs.push(field.invalid('spec.version', version, msg));
  const gpm = num(spec['groupPriorityMinimum']);
  if (gpm <= 0 || gpm > 20000) errs.push(field.invalid('spec.groupPriorityMinimum', gpm, 'must be positive and less than 20000'));
  const vp = num(spec['versionPriority']);
  if (vp <= 0 || vp > 1000) errs.push(field.invalid('spec.versionPriority', vp, 'must be positive and less than 1000'));
  const caBundle = typeof spec['caBundle'] === 'string' ? spec['caBundle'] : '';
  const caBytes = caBundle === '' ? 0 : Buffer.from(caBundle, 'base64').byteLength;
  const insecure = spec['insecureSkipTLSVerify'] === true;
  const svc = spec['service'];
  if (!isRecord(svc)) {
    if (caBytes > 0) errs.push(field.invalid('spec.caBundle', `${caBytes} bytes`, 'local APIServices may not have a caBundle'));
    if (insecure) errs.push(field.invalid('spec.insecureSkipTLSVerify', true, 'local APIServices may not have insecureSkipTLSVerify'));
    return errs;
  }
  if (typeof svc['namespace'] !== 'string' || svc['namespace'] === '') errs.push(field.required('spec.service.namespace', ''));
  if (typeof svc['name'] !== 'string' || svc['name'] === '') errs.push(field.required('spec.service.name', ''));
  const port = num(svc['port']);
  const portErrs = isValidPortNum(port);
  if (portErrs.length > 0) errs.push(field.invalid('spec.service.port', port, `port is not valid: ${portErrs.join(', ')}`));
  if (insecure && caBytes > 0) errs.push(field.invalid('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'));
  return errs;
}

/** status rules: each condition's status is True, False or Unknown. */
export function validateAPIServiceStatus(obj: Readonly<KubeObject>): FieldError[] {
  const errs: FieldError[] = [];
  const status = obj['status'];
  const conditions = isRecord(status) && Array.isArray(status['conditions']) ? status['conditions'] : [];
  conditions.forEach((c: unknown, i: number) => {
    const s = isRecord(c) ? c['status'] : undefined;
    if (s !== 'True' && s !== 'False' && s !== 'Unknown') errs.push(field.notSupported(`status.conditions[${i}].status`, s ?? '', ['True', 'False', 'Unknown']));
  });
  return errs;
}
