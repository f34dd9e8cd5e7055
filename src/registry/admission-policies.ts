// admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding: defaults,
// validation with kube-apiserver's texts (CEL compiled with the admission environment), and their tables.
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { expressionError } from '../api/cel/admission.js';
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain, isValidPathSegmentName } from '../api/validation/names.js';
import { goStringSlice } from '../api/validation/go-format.js';
import { asObj, objects, str, strings, type Obj } from './fields.js';
import { defineStrategy } from './define.js';
import type { Strategy } from './strategy.js';
import { age, ageColumn, column, formatLabelSelector, nameColumn } from './table.js';
import { validateLabelSelector } from './label-selector.js';
import { validateMatchConditions, validateRuleWithOperations } from './admission-webhooks.js';

const isSet = (v: unknown) => v !== undefined && v !== null;
const failurePolicies = ['Fail', 'Ignore'];
const matchPolicies = ['Equivalent', 'Exact'];
const actions = ['Audit', 'Deny', 'Warn'];
const reasons = ['Forbidden', 'Invalid', 'RequestEntityTooLarge'];
const notFoundActions = ['Allow', 'Deny'];

/** MatchResources defaults (matchPolicy, selectors, rule scopes). */
export function defaultMatchResources(m: Obj): void {
  if (!isSet(m.matchPolicy)) m.matchPolicy = 'Equivalent';
  if (!isSet(m.namespaceSelector)) m.namespaceSelector = {};
  if (!isSet(m.objectSelector)) m.objectSelector = {};
  for (const r of [...objects(m.resourceRules), ...objects(m.excludeResourceRules)]) if (!isSet(r.scope)) r.scope = '*';
}

function validateNamedRule(rule: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  strings(rule.resourceNames).forEach((n, i) => {
    for (const msg of isValidPathSegmentName(n)) errs.push(field.invalid(`${path}.resourceNames[${i}]`, n, msg));
    if (seen.has(n)) errs.push(field.duplicate(`${path}.resourceNames[${i}]`, n));
    else seen.add(n);
  });
  return [...errs, ...validateRuleWithOperations(rule, path)];
}

function validateMatchResources(m: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!isSet(m.matchPolicy)) errs.push(field.required(`${path}.matchPolicy`));
  else if (!matchPolicies.includes(str(m.matchPolicy))) errs.push(field.notSupported(`${path}.matchPolicy`, m.matchPolicy, matchPolicies));
  if (!isSet(m.namespaceSelector)) errs.push(field.required(`${path}.namespaceSelector`));
  else errs.push(...validateLabelSelector(m.namespaceSelector, `${path}.namespaceSelector`));
  if (!isSet(m.objectSelector)) errs.push(field.required(`${path}.objectSelector`));
  else errs.push(...validateLabelSelector(m.objectSelector, `${path}.objectSelector`));
  objects(m.resourceRules).forEach((r, i) => errs.push(...validateNamedRule(r, `${path}.resourceRules[${i}]`)));
  objects(m.excludeResourceRules).forEach((r, i) => errs.push(...validateNamedRule(r, `${path}.excludeResourceRules[${i}]`)));
  return errs;
}

function validateParamKind(pk: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const apiVersion = str(pk.apiVersion);
  if (apiVersion === '') errs.push(field.required(`${path}.apiVersion`));
  else {
    const parts = apiVersion.split('/');
    if (parts.length > 2) errs.push(field.invalid(`${path}.apiVersion`, apiVersion, `unexpected GroupVersion string: ${apiVersion}`));
    else {
      const [group, version] = parts.length === 2 ? [parts[0]!, parts[1]!] : ['', parts[0]!];
      if (group !== '') {
        const e = isDNS1123Subdomain(group);
        if (e.length > 0) errs.push(field.invalid(`${path}.apiVersion`, group, e.join(',')));
      }
      if (version === '') errs.push(field.invalid(`${path}.apiVersion`, apiVersion, 'version must be specified'));
      else {
        const e = isDNS1035Label(version);
        if (e.length > 0) errs.push(field.invalid(`${path}.apiVersion`, version, e.join(',')));
      }
    }
  }
  const kind = str(pk.kind);
  if (kind === '') errs.push(field.required(`${path}.kind`));
  else {
    const e = isDNS1035Label(kind.toLowerCase());
    if (e.length > 0) errs.push(field.invalid(`${path}.kind`, kind, `may have mixed case, but should otherwise match: ${e.join(',')}`));
  }
  return errs;
}

function validateValidation(v: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const expr = str(v.expression);
  if (expr.trim() === '') errs.push(field.required(`${path}.expression`, 'expression is not specified'));
  else {
    const e = expressionError('policy', expr, 'bool');
    if (e) errs.push(field.invalid(`${path}.expression`, expr, e));
  }
  const me = str(v.messageExpression);
  if (me !== '' && me.trim() === '') errs.push(field.invalid(`${path}.messageExpression`, me, 'must be non-empty if specified'));
  else if (me.trim() !== '') {
    const e = expressionError('policy', me, 'string');
    if (e) errs.push(field.invalid(`${path}.messageExpression`, me, e));
  }
  const msg = str(v.message);
  if (msg !== '' && msg.trim() === '') errs.push(field.invalid(`${path}.message`, msg, 'message must be non-empty if specified'));
  else if (/[\r\n]/.test(msg.trim())) errs.push(field.invalid(`${path}.message`, msg, 'message must not contain line breaks'));
  if (isSet(v.reason) && !reasons.includes(str(v.reason))) errs.push(field.notSupported(`${path}.reason`, v.reason, reasons));
  return errs;
}

function validatePolicySpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (!isSet(spec.failurePolicy)) errs.push(field.required('spec.failurePolicy'));
  else if (!failurePolicies.includes(str(spec.failurePolicy))) errs.push(field.notSupported('spec.failurePolicy', spec.failurePolicy, failurePolicies));
  const pk = asObj(spec.paramKind);
  if (pk) errs.push(...validateParamKind(pk, 'spec.paramKind'));
  const mc = asObj(spec.matchConstraints);
  if (!mc) errs.push(field.required('spec.matchConstraints'));
  else {
    errs.push(...validateMatchResources(mc, 'spec.matchConstraints'));
    if (objects(mc.resourceRules).length === 0) errs.push(field.required('spec.matchConstraints.resourceRules'));
  }
  errs.push(...validateMatchConditions(spec.matchConditions, 'spec.matchConditions', 'policy'));
  objects(spec.variables).forEach((v, i) => {
    const name = str(v.name);
    if (name.trim() === '') errs.push(field.required(`spec.variables[${i}].name`, 'name is not specified'));
    else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) errs.push(field.invalid(`spec.variables[${i}].name`, name, 'name is not a valid CEL identifier'));
    const expr = str(v.expression);
    if (expr.trim() === '') errs.push(field.required(`spec.variables[${i}].expression`, 'expression is not specified'));
    else {
      const e = expressionError('policy', expr, 'any');
      if (e) errs.push(field.invalid(`spec.variables[${i}].expression`, expr, e));
    }
  });
  const validations = objects(spec.validations);
  if (validations.length === 0 && objects(spec.auditAnnotations).length === 0) {
    errs.push(field.required('spec.validations', 'validations or auditAnnotations must contain at least one item'));
    errs.push(field.required('spec.auditAnnotations', 'validations or auditAnnotations must contain at least one item'));
  } else validations.forEach((v, i) => errs.push(...validateValidation(v, `spec.validations[${i}]`)));
  return errs;
}

function validateParamRef(pr: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(pr.name);
  const hasSelector = isSet(pr.selector);
  if (name !== '') {
    for (const msg of isDNS1123Subdomain(name)) errs.push(field.invalid(`${path}.name`, name, msg));
    if (hasSelector) errs.push(field.forbidden(`${path}.name`, 'name and selector are mutually exclusive'));
  }
  if (hasSelector) {
    errs.push(...validateLabelSelector(pr.selector, `${path}.selector`));
    if (name !== '') errs.push(field.forbidden(`${path}.selector`, 'name and selector are mutually exclusive'));
  }
  if (name === '' && !hasSelector) errs.push(field.required(path, 'one of name or selector must be specified'));
  const action = str(pr.parameterNotFoundAction);
  if (action === '') errs.push(field.required(`${path}.parameterNotFoundAction`));
  else if (!notFoundActions.includes(action)) errs.push(field.notSupported(`${path}.parameterNotFoundAction`, action, notFoundActions));
  const ns = str(pr.namespace);
  if (ns !== '') for (const msg of isDNS1123Label(ns)) errs.push(field.invalid(`${path}.namespace`, ns, msg));
  return errs;
}

function validateActions(list: unknown, path: string): FieldError[] {
  const va = strings(list);
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  va.forEach((a, i) => {
    if (!actions.includes(a)) errs.push(field.notSupported(`${path}[${i}]`, a, actions));
    if (seen.has(a)) errs.push(field.duplicate(`${path}[${i}]`, a));
    seen.add(a);
  });
  if (seen.has('Deny') && seen.has('Warn')) {
    errs.push({ ...field.invalid(path, va, 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)'), renderedValue: goStringSlice(va) });
  }
  if (seen.size === 0) errs.push(field.required(path, 'at least one validation action is required'));
  return errs;
}

function validateBindingSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const policyName = str(spec.policyName);
  if (policyName === '') errs.push(field.required('spec.policyName'));
  else for (const msg of isDNS1123Subdomain(policyName)) errs.push(field.invalid('spec.policyName', policyName, msg));
  const pr = asObj(spec.paramRef);
  if (pr) errs.push(...validateParamRef(pr, 'spec.paramRef'));
  const mr = asObj(spec.matchResources);
  // kube-apiserver names this path "matchResouces" in its errors.
  if (mr) errs.push(...validateMatchResources(mr, 'spec.matchResouces'));
  errs.push(...validateActions(spec.validationActions, 'spec.validationActions'));
  return errs;
}

export function validatingAdmissionPolicyStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    defaults(p) {
      const spec = asObj(p.spec);
      if (!spec) return;
      if (!isSet(spec.failurePolicy)) spec.failurePolicy = 'Fail';
      const mc = asObj(spec.matchConstraints);
      if (mc) defaultMatchResources(mc);
    },
    validate: (p) => validatePolicySpec(asObj(p.spec) ?? {}),
    table: {
      columns: [
        nameColumn,
        column('Validations', 'Validations indicates the number of validation rules defined in this configuration', { type: 'integer' }),
        column('ParamKind', 'ParamKind specifies the kind of resources used to parameterize this policy'),
        ageColumn,
      ],
      cells(p: KubeObject, now) {
        const spec = asObj(p.spec) ?? {};
        const pk = asObj(spec.paramKind);
        return [p.metadata.name ?? '', objects(spec.validations).length, pk ? `${str(pk.apiVersion)}/${str(pk.kind)}` : '<unset>', age(p, now)];
      },
    },
  });
}

export function validatingAdmissionPolicyBindingStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    defaults(b) {
      const spec = asObj(b.spec);
      const mr = asObj(spec?.matchResources);
      if (mr) defaultMatchResources(mr);
    },
    validate: (b) => validateBindingSpec(asObj(b.spec) ?? {}),
    table: {
      columns: [
        nameColumn,
        column('PolicyName', 'PolicyName indicates the policy definition which the policy binding binded to'),
        column('ParamRef', 'ParamRef indicates the param resource which sets the configration param'),
        ageColumn,
      ],
      cells(b: KubeObject, now) {
        const spec = asObj(b.spec) ?? {};
        const pr = asObj(spec.paramRef);
        let ref = '<unset>';
        if (pr) {
          if (str(pr.name) !== '') ref = str(pr.namespace) !== '' ? `${str(pr.namespace)}/${str(pr.name)}` : `*/${str(pr.name)}`;
          else if (isSet(pr.selector)) ref = formatLabelSelector(pr.selector);
        }
        return [b.metadata.name ?? '', str(spec.policyName), ref, age(b, now)];
      },
    },
  });
}
