// Where a webhook is called (admission webhooks, CRD conversion webhooks): its URL or Service reference, checked
// with kube-apiserver's texts (apiserver/pkg/util/webhook/validation.go).
import { field, type FieldError } from '../status.js';
import { isDNS1123Subdomain, isValidPortNum } from './names.js';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const isSet = (v: unknown) => v !== undefined && v !== null;

const urlForm = '; desired format: https://host[/path]';

export function validateWebhookURL(text: string, path: string): FieldError[] {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return [field.required(path, `url must be a valid URL: parse ${JSON.stringify(text)}: invalid URI for request${urlForm}`)];
  }
  const errs: FieldError[] = [];
  const scheme = u.protocol.replace(/:$/, '');
  if (scheme !== 'https') errs.push(field.invalid(path, scheme, `'https' is the only allowed URL scheme${urlForm}`));
  if (u.host === '') errs.push(field.invalid(path, u.host, `host must be specified${urlForm}`));
  if (u.username !== '' || u.password !== '') errs.push(field.invalid(path, u.password ? `${u.username}:${u.password}` : u.username, 'user information is not permitted in the URL'));
  if (u.hash.length > 1) errs.push(field.invalid(path, u.hash.slice(1), 'fragments are not permitted in the URL'));
  if (u.search.length > 1) errs.push(field.invalid(path, u.search.slice(1), 'query parameters are not permitted in the URL'));
  return errs;
}

export function validateWebhookService(svc: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (str(svc.name) === '') errs.push(field.required(`${path}.name`, 'service name is required'));
  if (str(svc.namespace) === '') errs.push(field.required(`${path}.namespace`, 'service namespace is required'));
  const port = typeof svc.port === 'number' ? svc.port : 443;
  const portErrs = isValidPortNum(port);
  if (portErrs.length > 0) errs.push(field.invalid(`${path}.port`, port, `port is not valid: ${portErrs.join(', ')}`));
  if (!isSet(svc.path)) return errs;
  const p = str(svc.path);
  if (p === '/' || p === '') return errs;
  if (p === '//') return [...errs, field.invalid(`${path}.path`, p, 'segment[0] may not be empty')];
  if (!p.startsWith('/')) errs.push(field.invalid(`${path}.path`, p, "must start with a '/'"));
  let rest = p.startsWith('/') ? p.slice(1) : p;
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  rest.split('/').forEach((step, i) => {
    if (step === '') errs.push(field.invalid(`${path}.path`, p, `segment[${i}] may not be empty`));
    else for (const msg of isDNS1123Subdomain(step)) errs.push(field.invalid(`${path}.path`, p, `segment[${i}]: ${msg}`));
  });
  return errs;
}

