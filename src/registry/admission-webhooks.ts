// admissionregistration.k8s.io/v1 MutatingWebhookConfiguration and ValidatingWebhookConfiguration: defaults
// (SetDefaults_*Webhook), validation with kube-apiserver's texts (pkg/apis/admissionregistration/validation) and
// the Name/Webhooks/Age table.
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { expressionError } from '../api/cel/admission.js';
import { isDNS1035Label, isDNS1123Subdomain, isQualifiedName, isValidPortNum } from '../api/validation/names.js';
import { goStringSlice } from '../api/validation/go-format.js';
import { validateWebhookService, validateWebhookURL } from '../api/validation/webhook-client.js';
import { asObj, num, objects, str, strings, type Obj } from './fields.js';
import { defineStrategy } from './define.js';
import type { Strategy } from './strategy.js';
import { age, ageColumn, column, nameColumn } from './table.js';
import { validateLabelSelector } from './label-selector.js';

const failurePolicies = ['Fail', 'Ignore'];
const matchPolicies = ['Equivalent', 'Exact'];
const noSideEffects = ['None', 'NoneOnDryRun'];
const allSideEffects = ['None', 'NoneOnDryRun', 'Some', 'Unknown'];
const operations = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const reinvocationPolicies = ['IfNeeded', 'Never'];
const scopes = ['*', 'Cluster', 'Namespaced'];
const reviewVersions = ['v1', 'v1beta1'];

const isSet = (v: unknown) => v !== undefined && v !== null;

/** Defaults of one webhook (both kinds) and, for mutating ones, reinvocationPolicy. */
export function defaultWebhook(hook: Obj, mutating: boolean): void {
  if (!isSet(hook.failurePolicy)) hook.failurePolicy = 'Fail';
  if (!isSet(hook.matchPolicy)) hook.matchPolicy = 'Equivalent';
  if (!isSet(hook.namespaceSelector)) hook.namespaceSelector = {};
  if (!isSet(hook.objectSelector)) hook.objectSelector = {};
  if (!isSet(hook.timeoutSeconds)) hook.timeoutSeconds = 10;
  if (mutating && !isSet(hook.reinvocationPolicy)) hook.reinvocationPolicy = 'Never';
  for (const rule of objects(hook.rules)) if (!isSet(rule.scope)) rule.scope = '*';
  const service = asObj(asObj(hook.clientConfig)?.service);
  if (service && !isSet(service.port)) service.port = 443;
}

function hasWildcard(list: string[]): boolean {
  return list.includes('*');
}

function validateResources(resources: string[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (resources.length === 0) errs.push(field.required(path));
  const resWildSub = new Set<string>();
  const subWildRes = new Set<string>();
  let doubleWildcard = false;
  let singleWildcard = false;
  let plainResource = false;
  resources.forEach((rs, i) => {
    if (rs === '') {
      errs.push(field.required(`${path}[${i}]`));
      return;
    }
    if (rs === '*/*') doubleWildcard = true;
    if (rs === '*') singleWildcard = true;
    const slash = rs.indexOf('/');
    if (slash < 0) {
      plainResource = rs !== '*';
      return;
    }
    const res = rs.slice(0, slash);
    const sub = rs.slice(slash + 1);
    if (resWildSub.has(res)) errs.push(field.invalid(`${path}[${i}]`, rs, `if '${res}/*' is present, must not specify ${rs}`));
    if (subWildRes.has(sub)) errs.push(field.invalid(`${path}[${i}]`, rs, `if '*/${sub}' is present, must not specify ${rs}`));
    if (sub === '*') resWildSub.add(res);
    if (res === '*') subWildRes.add(sub);
  });
  if (resources.length > 1 && doubleWildcard) errs.push({ ...field.invalid(path, resources, "if '*/*' is present, must not specify other resources"), renderedValue: goStringSlice(resources) });
  if (singleWildcard && plainResource) errs.push({ ...field.invalid(path, resources, "if '*' is present, must not specify other resources without subresources"), renderedValue: goStringSlice(resources) });
  return errs;
}

/** A Rule (apiGroups, apiVersions, resources, scope); resources may name subresources unless told otherwise. */
export function validateRule(rule: Obj, path: string, allowSubresources: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const groups = strings(rule.apiGroups);
  const versions = strings(rule.apiVersions);
  if (groups.length === 0) errs.push(field.required(`${path}.apiGroups`));
  if (groups.length > 1 && hasWildcard(groups)) errs.push({ ...field.invalid(`${path}.apiGroups`, groups, "if '*' is present, must not specify other API groups"), renderedValue: goStringSlice(groups) });
  if (versions.length === 0) errs.push(field.required(`${path}.apiVersions`));
  if (versions.length > 1 && hasWildcard(versions)) errs.push({ ...field.invalid(`${path}.apiVersions`, versions, "if '*' is present, must not specify other API versions"), renderedValue: goStringSlice(versions) });
  versions.forEach((v, i) => {
    if (v === '') errs.push(field.required(`${path}.apiVersions[${i}]`));
  });
  const resources = strings(rule.resources);
  if (allowSubresources) errs.push(...validateResources(resources, `${path}.resources`));
  else {
    if (resources.length === 0) errs.push(field.required(`${path}.resources`));
    resources.forEach((r, i) => {
      if (r === '') errs.push(field.required(`${path}.resources[${i}]`));
      if (r.includes('/')) errs.push(field.invalid(`${path}.resources[${i}]`, r, 'must not specify subresources'));
    });
    if (resources.length > 1 && hasWildcard(resources)) errs.push({ ...field.invalid(`${path}.resources`, resources, "if '*' is present, must not specify other resources"), renderedValue: goStringSlice(resources) });
  }
  if (isSet(rule.scope) && !scopes.includes(str(rule.scope))) errs.push(field.notSupported(`${path}.scope`, rule.scope, scopes));
  return errs;
}

export function validateRuleWithOperations(rule: Obj, path: string, allowSubresources = true): FieldError[] {
  const errs: FieldError[] = [];
  const ops = strings(rule.operations);
  if (ops.length === 0) errs.push(field.required(`${path}.operations`));
  if (ops.length > 1 && hasWildcard(ops)) errs.push({ ...field.invalid(`${path}.operations`, ops, "if '*' is present, must not specify other operations"), renderedValue: goStringSlice(ops) });
  ops.forEach((op, i) => {
    if (!operations.includes(op)) errs.push(field.notSupported(`${path}.operations[${i}]`, op, operations));
  });
  return [...errs, ...validateRule(rule, path, allowSubresources)];
}

/** utilvalidation.IsFullyQualifiedName: a DNS subdomain of at least three labels. */
function validateFullyQualifiedName(name: string, path: string): FieldError[] {
  if (name === '') return [field.required(path)];
  const errs = isDNS1123Subdomain(name);
  if (errs.length > 0) return [field.invalid(path, name, errs.join(','))];
  if (name.split('.').length < 3) return [field.invalid(path, name, 'should be a domain with at least three segments separated by dots')];
  return [];
}

/** matchConditions of a webhook or policy: at most 64, unique qualified names, CEL that yields a bool. */
export function validateMatchConditions(list: unknown, path: string, env: 'webhook' | 'policy', skipCompile = false): FieldError[] {
  const conditions = objects(list);
  if (conditions.length > 64) return [{ type: 'TooMany', field: path, value: conditions.length, detail: 'must have at most 64 items' }];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  conditions.forEach((mc, i) => {
    const p = `${path}[${i}]`;
    const expr = str(mc.expression);
    if (expr.trim() === '') errs.push(field.required(`${p}.expression`));
    else if (!skipCompile) {
      const e = expressionError(env, expr, 'bool');
      if (e) errs.push(field.invalid(`${p}.expression`, expr, e));
    }
    const name = str(mc.name);
    if (name === '') errs.push(field.required(`${p}.name`));
    else for (const msg of isQualifiedName(name)) errs.push(field.invalid(`${p}.name`, name, msg));
    if (name !== '') {
      if (names.has(name)) errs.push(field.duplicate(`${p}.name`, name));
      else names.add(name);
    }
  });
  return errs;
}

function validateReviewVersions(list: unknown, path: string, requireKnown: boolean): FieldError[] {
  const versions = strings(list);
  if (versions.length === 0) return [field.required(path, `must specify one of ${reviewVersions.join(', ')}`)];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    if (seen.has(v)) {
      errs.push(field.invalid(`${path}[${i}]`, v, 'duplicate version'));
      return;
    }
    seen.add(v);
    for (const msg of isDNS1035Label(v)) errs.push(field.invalid(`${path}[${i}]`, v, msg));
  });
  if (requireKnown && !versions.some((v) => reviewVersions.includes(v))) {
    errs.push({ ...field.invalid(path, versions, `must include at least one of ${reviewVersions.join(', ')}`), renderedValue: goStringSlice(versions) });
  }
  return errs;
}

interface HookOptions {
  mutating: boolean;
  requireNoSideEffects: boolean;
  requireKnownReviewVersion: boolean;
  requireUniqueNames: boolean;
  skipMatchConditions: boolean;
}

function validateWebhook(hook: Obj, path: string, o: HookOptions): FieldError[] {
  const errs = validateFullyQualifiedName(str(hook.name), `${path}.name`);
  objects(hook.rules).forEach((r, i) => errs.push(...validateRuleWithOperations(r, `${path}.rules[${i}]`)));
  if (isSet(hook.failurePolicy) && !failurePolicies.includes(str(hook.failurePolicy))) errs.push(field.notSupported(`${path}.failurePolicy`, hook.failurePolicy, failurePolicies));
  if (isSet(hook.matchPolicy) && !matchPolicies.includes(str(hook.matchPolicy))) errs.push(field.notSupported(`${path}.matchPolicy`, hook.matchPolicy, matchPolicies));
  const allowed = o.requireNoSideEffects ? noSideEffects : allSideEffects;
  if (!isSet(hook.sideEffects)) errs.push(field.required(`${path}.sideEffects`, `must specify one of ${allowed.join(', ')}`));
  else if (!allowed.includes(str(hook.sideEffects))) errs.push(field.notSupported(`${path}.sideEffects`, hook.sideEffects, allowed));
  const timeout = hook.timeoutSeconds;
  if (isSet(timeout) && (typeof timeout !== 'number' || timeout > 30 || timeout < 1)) errs.push(field.invalid(`${path}.timeoutSeconds`, timeout, 'the timeout value must be between 1 and 30 seconds'));
  if (isSet(hook.namespaceSelector)) errs.push(...validateLabelSelector(hook.namespaceSelector, `${path}.namespaceSelector`));
  if (isSet(hook.objectSelector)) errs.push(...validateLabelSelector(hook.objectSelector, `${path}.objectSelector`));
  if (o.mutating && isSet(hook.reinvocationPolicy) && !reinvocationPolicies.includes(str(hook.reinvocationPolicy))) {
    errs.push(field.notSupported(`${path}.reinvocationPolicy`, hook.reinvocationPolicy, reinvocationPolicies));
  }
  const cc = asObj(hook.clientConfig) ?? {};
  const url = cc.url;
  const service = asObj(cc.service);
  if (isSet(url) === !!service) errs.push(field.required(`${path}.clientConfig`, 'exactly one of url or service is required'));
  else if (isSet(url)) errs.push(...validateWebhookURL(str(url), `${path}.clientConfig.url`));
  else if (service) errs.push(...validateWebhookService(service, `${path}.clientConfig.service`));
  errs.push(...validateMatchConditions(hook.matchConditions, `${path}.matchConditions`, 'webhook', o.skipMatchConditions));
  return errs;
}

function validateConfiguration(cfg: KubeObject, o: HookOptions): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objects(cfg.webhooks).forEach((hook, i) => {
    const path = `webhooks[${i}]`;
    errs.push(...validateWebhook(hook, path, o));
    errs.push(...validateReviewVersions(hook.admissionReviewVersions, `${path}.admissionReviewVersions`, o.requireKnownReviewVersion));
    const name = str(hook.name);
    if (o.requireUniqueNames && name !== '') {
      if (names.has(name)) errs.push(field.duplicate(`${path}.name`, name));
      else names.add(name);
    }
  });
  return errs;
}

const createOptions = (mutating: boolean): HookOptions => ({ mutating, requireNoSideEffects: true, requireKnownReviewVersion: true, requireUniqueNames: true, skipMatchConditions: false });

/** On update a rule is only as strict as the old object already was (so stored objects stay updatable). */
function updateOptions(obj: KubeObject, old: KubeObject, mutating: boolean): HookOptions {
  const oldHooks = objects(old.webhooks);
  const newHooks = objects(obj.webhooks);
  const sameConditions = oldHooks.length === newHooks.length && oldHooks.every((h, i) => JSON.stringify(h.matchConditions ?? null) === JSON.stringify(newHooks[i]?.matchConditions ?? null));
  const oldNames = oldHooks.map((h) => str(h.name));
  return {
    mutating,
    requireNoSideEffects: oldHooks.every((h) => noSideEffects.includes(str(h.sideEffects))),
    requireKnownReviewVersion: oldHooks.every((h) => strings(h.admissionReviewVersions).length === 0 || strings(h.admissionReviewVersions).some((v) => reviewVersions.includes(v))),
    requireUniqueNames: new Set(oldNames).size === oldNames.length,
    skipMatchConditions: sameConditions,
  };
}

function webhookConfigurationStrategy(resource: ResourceInfo, mutating: boolean): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    defaults(cfg) {
      if (!Array.isArray(cfg.webhooks)) return;
      for (const hook of objects(cfg.webhooks)) defaultWebhook(hook, mutating);
    },
    // Create-only rules (side effects, review versions, unique names) are relaxed on update by validateUpdate.
    validate: () => [],
    validateUpdate: (cfg, old) => validateConfiguration(cfg, updateOptions(cfg, old, mutating)),
    table: {
      columns: [nameColumn, column('Webhooks', 'Webhooks indicates the number of webhooks.', { type: 'integer' }), ageColumn],
      cells: (cfg, now) => [cfg.metadata.name ?? '', objects(cfg.webhooks).length, age(cfg, now)],
    },
  });
}

function withCreateValidation(s: Strategy, mutating: boolean): Strategy {
  const base = s.validate.bind(s);
  return { ...s, validate: (obj) => [...base(obj), ...validateConfiguration(obj, createOptions(mutating))] };
}

export function mutatingWebhookConfigurationStrategy(resource: ResourceInfo): Strategy {
  return withCreateValidation(webhookConfigurationStrategy(resource, true), true);
}

export function validatingWebhookConfigurationStrategy(resource: ResourceInfo): Strategy {
  return withCreateValidation(webhookConfigurationStrategy(resource, false), false);
}
