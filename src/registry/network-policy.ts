// networking.k8s.io/v1 NetworkPolicy: defaults, validation (pkg/apis/networking/validation's rules and texts), table.
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { CIDR_FORMAT_ERROR, isStrictSubset, parseAnyCidr } from '../api/validation/cidr.js';
import { isValidPortName, isValidPortNum } from '../api/validation/names.js';
import { asObj, child, get, objects, setDefault, str, strings, type Obj } from './fields.js';
import { defineStrategy } from './define.js';
import { validateLabelSelector } from './label-selector.js';
import type { Strategy } from './strategy.js';
import { age, ageColumn, column, formatLabelSelector, nameColumn } from './table.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES = ['Ingress', 'Egress'];

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function validatePort(port: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isSet(port.protocol) && !PROTOCOLS.includes(str(port.protocol))) errs.push(field.notSupported(`${path}.protocol`, port.protocol, PROTOCOLS));
  const endPort = port.endPort;
  if (typeof port.port === 'number') {
    for (const msg of isValidPortNum(port.port)) errs.push(field.invalid(`${path}.port`, port.port, msg));
    if (typeof endPort === 'number') {
      if (endPort < port.port) errs.push(field.invalid(`${path}.endPort`, endPort, 'must be greater than or equal to `port`'));
      for (const msg of isValidPortNum(endPort)) errs.push(field.invalid(`${path}.endPort`, endPort, msg));
    }
  } else if (typeof port.port === 'string') {
    if (isSet(endPort)) errs.push(field.invalid(`${path}.endPort`, endPort, 'may not be specified when `port` is non-numeric'));
    for (const msg of isValidPortName(port.port)) errs.push(field.invalid(`${path}.port`, port.port, msg));
  } else if (isSet(endPort)) {
    errs.push(field.invalid(`${path}.endPort`, endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

/** cidr and except of an ipBlock: valid CIDRs, each except a strict subset of cidr. */
function validateIPBlock(block: Obj, path: string): FieldError[] {
  const cidrText = str(block.cidr);
  if (cidrText === '') return [field.required(`${path}.cidr`)];
  const errs: FieldError[] = [];
  const cidr = parseAnyCidr(cidrText);
  if (!cidr) {
    return [field.invalid(`${path}.cidr`, cidrText, CIDR_FORMAT_ERROR)];
  }
  strings(block.except).forEach((exceptText, i) => {
    const p = `${path}.except[${i}]`;
    const except = parseAnyCidr(exceptText);
    if (!except) {
      errs.push(field.invalid(p, exceptText, CIDR_FORMAT_ERROR));
      return;
    }
    if (!isStrictSubset(except, cidr)) errs.push(field.invalid(p, exceptText, 'must be a strict subset of `cidr`'));
  });
  return errs;
}

function validatePeer(peer: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let peers = 0;
  if (isSet(peer.podSelector)) {
    peers++;
    errs.push(...validateLabelSelector(peer.podSelector, `${path}.podSelector`));
  }
  if (isSet(peer.namespaceSelector)) {
    peers++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, `${path}.namespaceSelector`));
  }
  const ipBlock = asObj(peer.ipBlock);
  if (ipBlock) {
    peers++;
    errs.push(...validateIPBlock(ipBlock, `${path}.ipBlock`));
  }
  if (peers === 0) errs.push(field.required(path, 'must specify a peer'));
  else if (peers > 1 && ipBlock) errs.push(field.forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

function validateRules(rules: unknown, path: string, peersKey: 'from' | 'to'): FieldError[] {
  const errs: FieldError[] = [];
  objects(rules).forEach((rule, i) => {
    const rulePath = `${path}[${i}]`;
    objects(rule.ports).forEach((port, j) => errs.push(...validatePort(port, `${rulePath}.ports[${j}]`)));
    objects(rule[peersKey]).forEach((peer, j) => errs.push(...validatePeer(peer, `${rulePath}.${peersKey}[${j}]`)));
  });
  return errs;
}

export function validateNetworkPolicySpec(spec: Obj): FieldError[] {
  const errs = [
    ...validateLabelSelector(spec.podSelector, 'spec.podSelector'),
    ...validateRules(spec.ingress, 'spec.ingress', 'from'),
    ...validateRules(spec.egress, 'spec.egress', 'to'),
  ];
  const types = strings(spec.policyTypes);
  if (types.length > POLICY_TYPES.length) {
    const rendered = `[]networking.PolicyType{${types.map((t) => JSON.stringify(t)).join(', ')}}`;
    errs.push({ ...field.invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'), renderedValue: rendered });
    return errs;
  }
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(t)) errs.push(field.notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
  });
  return errs;
}

const podSelectorDescription =
  "podSelector selects the pods to which this NetworkPolicy object applies. The array of rules is applied to any pods selected by this field. An empty selector matches all pods in the policy's namespace. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is optional. If it is not specified, it defaults to an empty selector.";

export function networkPolicyStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    defaults(np) {
      const spec = child(np, 'spec');
      for (const key of ['ingress', 'egress'] as const) {
        for (const rule of objects(spec[key])) for (const port of objects(rule.ports)) setDefault(port, 'protocol', 'TCP');
      }
      // No policyTypes: Ingress always, Egress when egress rules are given.
      if (spec.policyTypes === undefined || spec.policyTypes === null || (Array.isArray(spec.policyTypes) && spec.policyTypes.length === 0)) {
        spec.policyTypes = objects(spec.egress).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
      }
    },
    validate: (np) => validateNetworkPolicySpec(asObj(np.spec) ?? {}),
    table: {
      columns: [nameColumn, column('Pod-Selector', podSelectorDescription), ageColumn],
      cells: (np, now) => [np.metadata.name ?? '', formatLabelSelector(get(np, 'spec', 'podSelector') ?? {}), age(np, now)],
    },
  });
}
