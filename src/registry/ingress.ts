// networking.k8s.io/v1 Ingress and IngressClass: validation (pkg/apis/networking/validation's rules and texts),
// status rules and tables (pkg/printers/internalversion).
import { isIP } from 'node:net';
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { IP_FORMAT_ERROR } from '../api/validation/cidr.js';
import {
  httpPathFmt,
  httpPathRe,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isValidPathSegmentName,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  regexError,
} from '../api/validation/names.js';
import { validateImmutableField } from '../api/validation/object-meta.js';
import { asObj, child, get, objects, str, type Obj } from './fields.js';
import { defineStrategy } from './define.js';
import type { Strategy } from './strategy.js';
import { age, ageColumn, column, nameColumn } from './table.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const MAX_CONTROLLER_LENGTH = 250;

function invalidEach(path: string, value: string, msgs: string[]): FieldError[] {
  return msgs.map((msg) => field.invalid(path, value, msg));
}

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function validateTypedReference(ref: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isSet(ref.apiGroup)) errs.push(...invalidEach(`${path}.apiGroup`, str(ref.apiGroup), isDNS1123Subdomain(str(ref.apiGroup))));
  for (const key of ['kind', 'name']) {
    const v = str(ref[key]);
    if (v === '') errs.push(field.required(`${path}.${key}`));
    else errs.push(...invalidEach(`${path}.${key}`, v, isValidPathSegmentName(v)));
  }
  return errs;
}

function validateBackend(backend: Obj, path: string): FieldError[] {
  const resource = asObj(backend.resource);
  const service = asObj(backend.service);
  if (resource && service) return [field.invalid(path, '', 'cannot set both resource and service backends')];
  if (resource) return validateTypedReference(resource, `${path}.resource`);
  if (!service) return [field.invalid(path, '', 'resource or service backend is required')];
  const errs: FieldError[] = [];
  const name = str(service.name);
  if (name === '') errs.push(field.required(`${path}.service.name`));
  else errs.push(...invalidEach(`${path}.service.name`, name, isDNS1035Label(name)));
  const portName = str(get(service, 'port', 'name'));
  const portNumber = get(service, 'port', 'number');
  const hasNumber = typeof portNumber === 'number' && portNumber !== 0;
  if (portName !== '' && hasNumber) errs.push(field.invalid(path, '', 'cannot set both port name & port number'));
  else if (portName !== '') errs.push(...invalidEach(`${path}.service.port.name`, portName, isValidPortName(portName)));
  else if (hasNumber) errs.push(...isValidPortNum(portNumber).map((msg) => field.invalid(`${path}.service.port.number`, portNumber, msg)));
  else errs.push(field.required(path, 'port name or number is required'));
  return errs;
}

function validateHTTPPath(p: Obj, path: string): FieldError[] {
  const pathType = p.pathType;
  if (!isSet(pathType)) return [field.required(`${path}.pathType`, 'pathType must be specified')];
  const errs: FieldError[] = [];
  const text = str(p.path);
  switch (pathType) {
    case 'Exact':
    case 'Prefix':
      if (!text.startsWith('/')) errs.push(field.invalid(`${path}.path`, text, 'must be an absolute path'));
      for (const seq of INVALID_PATH_SEQUENCES) if (text.includes(seq)) errs.push(field.invalid(`${path}.path`, text, `must not contain '${seq}'`));
      for (const suffix of INVALID_PATH_SUFFIXES) if (text.endsWith(suffix)) errs.push(field.invalid(`${path}.path`, text, `cannot end with '${suffix}'`));
      break;
    case 'ImplementationSpecific':
      if (text !== '' && !text.startsWith('/')) errs.push(field.invalid(`${path}.path`, text, 'must be an absolute path'));
      break;
    default:
      errs.push(field.notSupported(`${path}.pathType`, pathType, PATH_TYPES));
  }
  errs.push(...validateBackend(asObj(p.backend) ?? {}, `${path}.backend`));
  return errs;
}

function validateRules(rules: Obj[]): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((rule, i) => {
    const path = `spec.rules[${i}]`;
    const host = str(rule.host);
    if (host !== '') {
      if (isIP(host) !== 0) errs.push(field.invalid(`${path}.host`, host, 'must be a DNS name, not an IP address'));
      errs.push(...invalidEach(`${path}.host`, host, host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host)));
    }
    const http = asObj(rule.http);
    if (!http) return;
    const paths = objects(http.paths);
    if (paths.length === 0) errs.push(field.required(`${path}.http.paths`));
    paths.forEach((p, j) => errs.push(...validateHTTPPath(p, `${path}.http.paths[${j}]`)));
  });
  return errs;
}

function validateTLS(tls: Obj[]): FieldError[] {
  const errs: FieldError[] = [];
  tls.forEach((entry, i) => {
    (Array.isArray(entry.hosts) ? entry.hosts : []).forEach((h: unknown, j) => {
      const host = str(h);
      errs.push(...invalidEach(`spec.tls[${i}].hosts[${j}]`, host, host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host)));
    });
    const secretName = str(entry.secretName);
    if (secretName !== '') errs.push(...invalidEach(`spec.tls[${i}].secretName`, secretName, isDNS1123Subdomain(secretName)));
  });
  return errs;
}

function goIngressRules(rules: unknown): string {
  return Array.isArray(rules) ? '[]networking.IngressRule{}' : '[]networking.IngressRule(nil)';
}

export function validateIngressSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const rules = objects(spec.rules);
  const defaultBackend = asObj(spec.defaultBackend);
  if (rules.length === 0 && !defaultBackend) {
    errs.push({ ...field.invalid('spec', spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified'), renderedValue: goIngressRules(spec.rules) });
  }
  if (defaultBackend) errs.push(...validateBackend(defaultBackend, 'spec.defaultBackend'));
  errs.push(...validateRules(rules));
  errs.push(...validateTLS(objects(spec.tls)));
  if (isSet(spec.ingressClassName)) {
    const name = str(spec.ingressClassName);
    errs.push(...invalidEach('spec.ingressClassName', name, isDNS1123Subdomain(name)));
  }
  return errs;
}

function validateLoadBalancerStatus(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  objects(get(obj, 'status', 'loadBalancer', 'ingress')).forEach((ing, i) => {
    const path = `status.loadBalancer.ingress[${i}]`;
    const ip = str(ing.ip);
    if (ip !== '' && isIP(ip) === 0) errs.push(field.invalid(`${path}.ip`, ip, IP_FORMAT_ERROR));
    const hostname = str(ing.hostname);
    if (hostname !== '') {
      errs.push(...invalidEach(`${path}.hostname`, hostname, isDNS1123Subdomain(hostname)));
      if (isIP(hostname) !== 0) errs.push(field.invalid(`${path}.hostname`, hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

// ---- tables ----

function ingressHosts(rules: Obj[]): string {
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (hosts.length === max) more = true;
    if (!more && str(rule.host) !== '') hosts.push(str(rule.host));
  }
  if (hosts.length === 0) return '*';
  return more ? `${hosts.join(',')} + ${rules.length - max} more...` : hosts.join(',');
}

const loadBalancerWidth = 16;

/** IPs (or else hostnames) of the load balancer, sorted and unique; clipped to 16 bytes unless wide. */
export function ingressAddress(obj: KubeObject, wide = false): string {
  const seen = new Set<string>();
  for (const ing of objects(get(obj, 'status', 'loadBalancer', 'ingress'))) {
    const v = str(ing.ip) || str(ing.hostname);
    if (v !== '') seen.add(v);
  }
  const text = [...seen].sort().join(',');
  return !wide && text.length > loadBalancerWidth ? `${text.slice(0, loadBalancerWidth - 3)}...` : text;
}

export function ingressStrategy(resource: ResourceInfo): Strategy {
  const base = defineStrategy(resource, {
    tracksGeneration: true,
    initialStatus: () => ({ loadBalancer: {} }),
    validate: (ing) => validateIngressSpec(asObj(ing.spec) ?? {}),
    validateStatusUpdate: (ing) => validateLoadBalancerStatus(ing),
    table: {
      columns: [
        nameColumn,
        column('Class', 'The name of the IngressClass resource that should be used for additional configuration'),
        column('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
        column('Address', 'Address is a list containing ingress points for the load-balancer'),
        column('Ports', 'Ports of TLS configurations that open'),
        ageColumn,
      ],
      cells(ing, now) {
        const className = get(ing, 'spec', 'ingressClassName');
        return [
          ing.metadata.name ?? '',
          typeof className === 'string' ? className : '<none>',
          ingressHosts(objects(get(ing, 'spec', 'rules'))),
          ingressAddress(ing),
          objects(get(ing, 'spec', 'tls')).length > 0 ? '80, 443' : '80',
          age(ing, now),
        ];
      },
    },
  });
  // The class annotation must agree with spec.ingressClassName on create only (old objects may disagree).
  return { ...base, validate: (ing) => [...base.validate(ing), ...validateIngressClassAnnotation(ing)] };
}

/** On create only: `kubernetes.io/ingress.class` and spec.ingressClassName may not disagree. */
export function validateIngressClassAnnotation(ing: KubeObject): FieldError[] {
  const annotations = ing.metadata.annotations ?? {};
  if (!Object.prototype.hasOwnProperty.call(annotations, INGRESS_CLASS_ANNOTATION)) return [];
  const value = annotations[INGRESS_CLASS_ANNOTATION] ?? '';
  const className = get(ing, 'spec', 'ingressClassName');
  if (typeof className !== 'string' || className === value) return [];
  return [field.invalid(`annotations.${INGRESS_CLASS_ANNOTATION}`, value, 'must match `ingressClassName` when both are specified')];
}

// ---- IngressClass ----

function validateDomainPrefixedPath(path: string, value: string): FieldError[] {
  const slash = value.indexOf('/');
  if (slash <= 0 || slash === value.length - 1) return [field.invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const host = value.slice(0, slash);
  const rest = value.slice(slash + 1);
  const errs = invalidEach(path, host, isDNS1123Subdomain(host));
  if (!httpPathRe.test(rest)) errs.push(field.invalid(path, rest, regexError('must be a valid path', httpPathFmt)));
  return errs;
}

const SCOPES = ['Cluster', 'Namespace'];

function validateParameters(params: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isSet(params.apiGroup)) errs.push(...invalidEach(`${path}.apiGroup`, str(params.apiGroup), isDNS1123Subdomain(str(params.apiGroup))));
  for (const key of ['kind', 'name']) {
    const v = str(params[key]);
    if (v === '') errs.push(field.required(`${path}.${key}`));
    else errs.push(...invalidEach(`${path}.${key}`, v, isValidPathSegmentName(v)));
  }
  if (!isSet(params.scope)) return [...errs, field.required(`${path}.scope`)];
  const scope = str(params.scope);
  if (!SCOPES.includes(scope)) errs.push(field.notSupported(`${path}.scope`, params.scope, SCOPES));
  else if (scope === 'Namespace') {
    if (!isSet(params.namespace)) errs.push(field.required(`${path}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    else errs.push(...invalidEach(`${path}.namespace`, str(params.namespace), isDNS1123Label(str(params.namespace))));
  } else if (isSet(params.namespace)) {
    errs.push(field.forbidden(`${path}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

export function validateIngressClassSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const controller = str(spec.controller);
  if (controller === '') errs.push(field.required('spec.controller'));
  else {
    if (Buffer.byteLength(controller, 'utf8') > MAX_CONTROLLER_LENGTH) errs.push(field.tooLong('spec.controller', MAX_CONTROLLER_LENGTH));
    errs.push(...validateDomainPrefixedPath('spec.controller', controller));
  }
  const params = asObj(spec.parameters);
  if (params) errs.push(...validateParameters(params, 'spec.parameters'));
  return errs;
}

export function ingressClassStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    defaults(ic) {
      const params = asObj(get(ic, 'spec', 'parameters'));
      if (params && !isSet(params.scope)) child(child(ic, 'spec'), 'parameters').scope = 'Cluster';
    },
    validate: (ic) => validateIngressClassSpec(asObj(ic.spec) ?? {}),
    validateUpdate: (ic, old) => validateImmutableField(get(ic, 'spec', 'controller') ?? '', get(old, 'spec', 'controller') ?? '', 'spec.controller'),
    table: {
      columns: [
        nameColumn,
        column('Controller', 'Controller that is responsible for handling this class'),
        column('Parameters', 'A reference to a resource with additional parameters'),
        ageColumn,
      ],
      cells(ic, now) {
        const params = asObj(get(ic, 'spec', 'parameters'));
        let text = '<none>';
        if (params) {
          text = str(params.kind);
          if (typeof params.apiGroup === 'string') text += `.${params.apiGroup}`;
          text += `/${str(params.name)}`;
        }
        return [ic.metadata.name ?? '', str(get(ic, 'spec', 'controller')), text, age(ic, now)];
      },
    },
  });
}
