// Service spec validation (ValidateService / validateServicePort in pkg/apis/core/validation).
import { isIP } from 'node:net';
import type { KubeObject } from '../api/object.js';
import { field, type FieldError } from '../api/status.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPortName, isValidPortNum } from '../api/validation/names.js';
import { validateLabels } from '../api/validation/object-meta.js';
import { asObj, isUnset, num, objects, str, stringMap, strings, type Obj } from './fields.js';
import { supportedProtocol } from './pod-validation.js';

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const SESSION_AFFINITIES = ['ClientIP', 'None'];

function isHeadless(spec: Obj): boolean {
  return strings(spec.clusterIPs)[0] === 'None' || spec.clusterIP === 'None';
}

/** Go's %#v of the (protocol, port) key used for the duplicate-port message. */
function goServicePortKey(protocol: string, port: number): string {
  return `core.ServicePort{Name:"", Protocol:${JSON.stringify(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;
}

function validateTargetPort(target: unknown, path: string): FieldError[] {
  if (typeof target === 'number') return isValidPortNum(target).map((msg) => field.invalid(path, target, msg));
  if (typeof target === 'string') return isValidPortName(target).map((msg) => field.invalid(path, target, msg));
  return [];
}

function validatePorts(spec: Obj, type: string): FieldError[] {
  const errs: FieldError[] = [];
  const ports = objects(spec.ports);
  const names = new Set<string>();
  const seen = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    const name = str(p.name);
    if (ports.length > 1 && name === '') errs.push(field.required(`${path}.name`));
    else if (name !== '') {
      errs.push(...isDNS1123Label(name).map((msg) => field.invalid(`${path}.name`, name, msg)));
      if (names.has(name)) errs.push(field.duplicate(`${path}.name`, name));
      names.add(name);
    }
    const port = num(p.port) ?? 0;
    errs.push(...isValidPortNum(port).map((msg) => field.invalid(`${path}.port`, port, msg)));
    errs.push(...supportedProtocol(p.protocol, `${path}.protocol`));
    errs.push(...validateTargetPort(p.targetPort, `${path}.targetPort`));
    if (typeof p.appProtocol === 'string') errs.push(...isQualifiedName(p.appProtocol).map((msg) => field.invalid(`${path}.appProtocol`, p.appProtocol, msg)));
    const nodePort = num(p.nodePort) ?? 0;
    if (type === 'ClusterIP' && nodePort !== 0) errs.push(field.forbidden(`${path}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
    if (nodePort !== 0) {
      const key = `${str(p.protocol)}/${nodePort}`;
      if (nodePorts.has(key)) errs.push(field.duplicate(`${path}.nodePort`, nodePort));
      nodePorts.add(key);
    }
    const key = `${str(p.protocol)}/${port}`;
    if (seen.has(key)) errs.push({ ...field.duplicate(path, { protocol: p.protocol, port }), renderedValue: goServicePortKey(str(p.protocol), port) });
    seen.add(key);
  });
  return errs;
}

function validateClusterIPs(spec: Obj, type: string): FieldError[] {
  const ips = strings(spec.clusterIPs);
  if (type === 'ExternalName') return ips.length > 0 ? [field.forbidden('spec.clusterIPs', 'may not be set for ExternalName services')] : [];
  const errs: FieldError[] = [];
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) errs.push(field.invalid('spec.clusterIPs', ips, "'None' must be the first and only value"));
      return;
    }
    if (!isIP(ip)) errs.push(field.invalid(`spec.clusterIPs[${i}]`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  if (ips.length > 2) errs.push(field.invalid('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  if (isHeadless(spec) && (type === 'NodePort' || type === 'LoadBalancer')) {
    errs.push(field.invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${type} services`));
  }
  return errs;
}

export function validateServiceSpec(svc: KubeObject): FieldError[] {
  const spec = asObj(svc.spec) ?? {};
  const type = str(spec.type);
  const errs: FieldError[] = [];
  if (objects(spec.ports).length === 0 && !isHeadless(spec) && type !== 'ExternalName') errs.push(field.required('spec.ports'));
  if (type === '') errs.push(field.required('spec.type'));
  else if (!SERVICE_TYPES.includes(type)) errs.push(field.notSupported('spec.type', type, SERVICE_TYPES));
  if (type === 'ExternalName') {
    const cname = str(spec.externalName).replace(/\.$/, '');
    if (cname === '') errs.push(field.required('spec.externalName'));
    else errs.push(...isDNS1123Subdomain(cname).map((msg) => field.invalid('spec.externalName', cname, msg)));
  }
  errs.push(...validateClusterIPs(spec, type));
  errs.push(...validatePorts(spec, type));
  const selector = stringMap(spec.selector);
  if (selector) errs.push(...validateLabels(selector, 'spec.selector'));
  const affinity = spec.sessionAffinity;
  if (isUnset(affinity)) errs.push(field.required('spec.sessionAffinity'));
  else if (!SESSION_AFFINITIES.includes(str(affinity))) errs.push(field.notSupported('spec.sessionAffinity', affinity, SESSION_AFFINITIES));
  return errs;
}

/** ClusterIPs may not change once set, unless the Service moves to or from ExternalName. */
export function validateServiceUpdate(svc: KubeObject, old: KubeObject): FieldError[] {
  const spec = asObj(svc.spec) ?? {};
  const oldSpec = asObj(old.spec) ?? {};
  if (str(spec.type) === 'ExternalName' || str(oldSpec.type) === 'ExternalName') return [];
  if (isHeadless(spec) && isHeadless(oldSpec)) return [];
  const ips = strings(spec.clusterIPs);
  const oldIPs = strings(oldSpec.clusterIPs);
  const errs: FieldError[] = [];
  oldIPs.forEach((ip, i) => {
    if (i < ips.length && ips[i] !== ip) errs.push(field.invalid(`spec.clusterIPs[${i}]`, ips, 'may not change once set'));
  });
  if (ips.length === 0 && oldIPs.length > 0) errs.push(field.invalid('spec.clusterIPs[0]', ips, 'primary clusterIP can not be unset'));
  return errs;
}
