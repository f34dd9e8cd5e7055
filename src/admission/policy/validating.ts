// The ValidatingAdmissionPolicy plugin: every binding whose policy exists is checked against the request (the
// policy's matchConstraints, then the binding's matchResources, then the policy's CEL matchConditions); its
// parameters are read (paramRef by name or selector, from the API server's caches); each validation is a CEL
// expression over object, oldObject, request, params, namespaceObject, variables and authorizer (checks against
// the API server's authorizer for the request's user). A failed validation refuses the request
// (Deny), becomes a warning (Warn), or is recorded in the audit log (Audit: the
// `validation.policy.admission.k8s.io/validation_failure` annotation); spec.auditAnnotations add `<policy>/<key>`
// annotations. Evaluation errors follow the policy's failurePolicy. Configuration objects of admissionregistration
// are never checked.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { labelSelectorFromSpec, matchesLabels, type LabelSelectorSpec } from '../../api/selectors/index.js';
import { errors, StatusError, statusCodes, type StatusReason } from '../../api/status.js';
import { evaluate, OutOfBudgetError, toCelValue, type CostBudget } from '../../api/cel/admission.js';
import { runtimeCelCostBudget, runtimeCelCostBudgetMatchConditions } from '../../api/cel/cost.js';
import type { AdmissionPlugin, AdmissionRequest } from '../types.js';
import type { AdmissionReader } from '../reader.js';
import { requestObjectName } from '../errors.js';
import { celActivation, celAuthorizer, celRequest } from '../webhook/cel-input.js';
import type { Authorizer } from '../../auth/types.js';
import { isExemptAdmissionConfiguration, ruleMatches } from '../webhook/rules.js';
import type { WebhookRule } from '../webhook/config.js';

export interface PolicyDeps {
  reader: AdmissionReader;
  /** The labels of a namespace, or undefined when it does not exist. */
  namespaceLabels(name: string): Promise<Record<string, string> | undefined>;
  /** Where the objects of a paramKind (a built-in kind or a custom resource) are read, when it is served. */
  paramSource(apiVersion: string, kind: string): ParamSource | undefined;
  /** What the `authorizer` variable asks. */
  authorizer: Authorizer;
}

export interface ParamSource {
  namespaced: boolean;
  get(namespace: string, name: string): Promise<Readonly<KubeObject> | undefined>;
  list(namespace: string): Promise<readonly Readonly<KubeObject>[]>;
}

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj | undefined => (isRecord(v) ? v : undefined);
const objs = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isRecord) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function rule(r: Obj): WebhookRule & { resourceNames: string[] } {
  return { operations: strs(r.operations), apiGroups: strs(r.apiGroups), apiVersions: strs(r.apiVersions), resources: strs(r.resources), scope: str(r.scope) || '*', resourceNames: strs(r.resourceNames) };
}

function selectorMatches(spec: unknown, labels: Record<string, string> | undefined): boolean {
  const s = asObj(spec);
  if (!s) return true;
  return matchesLabels(labelSelectorFromSpec(s as LabelSelectorSpec), labels ?? {});
}

function attributesFor(req: AdmissionRequest) {
  return { operation: req.operation, group: req.resource.group, version: req.resource.version, resource: req.resource.resource, subresource: req.subresource, namespace: req.namespace };
}

function namedRuleMatches(r: Obj, req: AdmissionRequest): boolean {
  const nr = rule(r);
  if (!ruleMatches(nr, attributesFor(req))) return false;
  return nr.resourceNames.length === 0 || nr.resourceNames.includes(req.name);
}

/** MatchResources against the request (rules, exclusions, selectors); namespace labels are read once per request. */
async function matchResources(m: Obj, req: AdmissionRequest, nsLabels: () => Promise<Record<string, string> | undefined>): Promise<boolean> {
  if (!objs(m.resourceRules).some((r) => namedRuleMatches(r, req))) return false;
  if (objs(m.excludeResourceRules).some((r) => namedRuleMatches(r, req))) return false;
  const isNamespace = req.resource.group === '' && req.resource.resource === 'namespaces';
  if (req.namespace !== '' || isNamespace) {
    const labels = isNamespace && req.operation !== 'DELETE' ? req.object.metadata.labels : await nsLabels();
    if (!selectorMatches(m.namespaceSelector, labels)) return false;
  }
  const newMatch = req.operation !== 'DELETE' && selectorMatches(m.objectSelector, req.object.metadata.labels);
  const oldMatch = req.oldObject !== undefined && selectorMatches(m.objectSelector, req.oldObject.metadata.labels);
  return newMatch || oldMatch;
}

interface Failure {
  message: string;
  reason: StatusReason;
}

const reasonOf = (v: unknown): StatusReason => (v === 'Forbidden' || v === 'RequestEntityTooLarge' ? v : 'Invalid');

function denied(req: AdmissionRequest, policy: string, binding: string, f: Failure): StatusError {
  const message = `ValidatingAdmissionPolicy '${policy}' with binding '${binding}' denied request: ${f.message}`;
  const base = errors.forbidden({ group: req.resource.group, resource: req.resource.resource }, requestObjectName(req), message);
  const details = { ...(base.status.details ?? {}), causes: [...(base.status.details?.causes ?? []), { message }] };
  return new StatusError({ ...base.status, reason: f.reason, details, code: statusCodes[f.reason] });
}

async function paramsFor(policy: Obj, binding: Obj, req: AdmissionRequest, deps: PolicyDeps): Promise<{ params: (KubeObject | null)[] } | { notFound: 'Deny' | 'Allow' } | { error: string }> {
  const pk = asObj(asObj(policy.spec)?.paramKind);
  if (!pk) return { params: [null] };
  const ref = asObj(asObj(binding.spec)?.paramRef);
  if (!ref) return { error: `failed to configure binding: paramRef is required when paramKind is set` };
  const kind = deps.paramSource(str(pk.apiVersion), str(pk.kind));
  if (!kind) return { error: `failed to configure policy: failed to find resource referenced by paramKind: '${str(pk.apiVersion)}, Kind=${str(pk.kind)}'` };
  const namespace = kind.namespaced ? str(ref.namespace) || req.namespace : '';
  let found: KubeObject[] = [];
  if (kind.namespaced && namespace === '') found = [];
  else if (str(ref.name) !== '') {
    const one = await kind.get(namespace, str(ref.name));
    if (one) found = [structuredClone(one) as KubeObject];
  } else {
    const all = await kind.list(namespace);
    found = all.filter((o) => selectorMatches(ref.selector ?? {}, o.metadata.labels)).map((o) => structuredClone(o) as KubeObject);
  }
  if (found.length === 0) return { notFound: str(ref.parameterNotFoundAction) === 'Allow' ? 'Allow' : 'Deny' };
  return { params: found };
}

interface Decision extends Failure {
  /** The validation's index in spec.validations. */
  index: number;
}

/**
 * The validations of one policy with one param, as deny decisions: failed validations, and evaluation errors
 * unless the failure policy is Ignore (kube-apiserver then admits). They draw on the binding's cost budget; when
 * it runs out, that is the one decision.
 */
async function validate(policy: Obj, activation: Record<string, unknown>, ignoreErrors: boolean, budget: CostBudget): Promise<Decision[]> {
  const out: Decision[] = [];
  for (const [index, v] of objs(asObj(policy.spec)?.validations).entries()) {
    const expression = str(v.expression);
    let result: unknown;
    try {
      result = await evaluate('policy', expression, activation, budget);
    } catch (e) {
      if (e instanceof OutOfBudgetError) return ignoreErrors ? [] : [{ index: 0, message: e.message, reason: 'Invalid' }];
      if (!ignoreErrors) out.push({ index, message: `expression '${expression}' resulted in error: ${e instanceof Error ? e.message : String(e)}`, reason: 'Invalid' });
      continue;
    }
    if (result === true) continue;
    if (result !== false) {
      if (!ignoreErrors) out.push({ index, message: `expression '${expression}' resulted in error: no such overload`, reason: 'Invalid' });
      continue;
    }
    let message = str(v.message);
    const me = str(v.messageExpression);
    if (me.trim() !== '') {
      try {
        const m = await evaluate('policy', me, activation, budget);
        if (typeof m === 'string' && m.trim() !== '' && !/[\r\n]/.test(m)) message = m.trim().slice(0, 5000);
      } catch (e) {
        // a failing messageExpression falls back to message (kube-apiserver only logs it), unless the budget ran out
        if (e instanceof OutOfBudgetError) {
          if (!ignoreErrors) out.push({ index, message: `failed messageExpression: ${e.message}`, reason: 'Invalid' });
          return out;
        }
      }
    }
    if (message === '') message = `failed expression: ${expression}`;
    out.push({ index, message, reason: reasonOf(v.reason) });
  }
  return out;
}

/** kube-apiserver cuts an audit annotation's value at 10 KiB. */
const maxAuditAnnotationValueLength = 10 * 1024;

/**
 * spec.auditAnnotations with one param: each valueExpression gives a string (published), null (left out) or an
 * error (a denial unless the failure policy is Ignore).
 */
async function auditAnnotations(policy: Obj, activation: Record<string, unknown>, ignoreErrors: boolean): Promise<{ values: [string, string][]; errors: string[] }> {
  const values: [string, string][] = [];
  const errs: string[] = [];
  const budget: CostBudget = { remaining: runtimeCelCostBudget };
  for (const a of objs(asObj(policy.spec)?.auditAnnotations)) {
    const expression = str(a.valueExpression);
    let v: unknown;
    try {
      v = await evaluate('policy', expression, activation, budget);
    } catch (e) {
      if (e instanceof OutOfBudgetError) return { values, errors: ignoreErrors ? [] : [e.message] };
      if (!ignoreErrors) errs.push(`valueExpression '${expression}' resulted in error: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (v === null || v === undefined) continue;
    if (typeof v !== 'string') {
      if (!ignoreErrors) errs.push(`valueExpression '${expression}' resulted in unsupported return type: ${celTypeName(v)}. Return type must be either string or null.`);
      continue;
    }
    values.push([str(a.key), v.length > maxAuditAnnotationValueLength ? v.slice(0, maxAuditAnnotationValueLength) : v]);
  }
  return { values, errors: errs };
}

function celTypeName(v: unknown): string {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double';
  if (typeof v === 'bigint') return 'int';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'map';
  return typeof v;
}

/** The audit annotation kube-apiserver writes for a failed validation of a binding with the Audit action. */
export const validationFailureAnnotation = 'validation.policy.admission.k8s.io/validation_failure';

async function conditionsMatch(policy: Obj, activation: Record<string, unknown>): Promise<{ match: boolean; error?: string }> {
  const errs: string[] = [];
  const budget: CostBudget = { remaining: runtimeCelCostBudgetMatchConditions };
  for (const c of objs(asObj(policy.spec)?.matchConditions)) {
    const expression = str(c.expression);
    try {
      const r = await evaluate('policy', expression, activation, budget);
      if (r === false) return { match: false };
      if (r !== true) errs.push(`expression '${expression}' resulted in error: no such overload`);
    } catch (e) {
      if (e instanceof OutOfBudgetError) return { match: true, error: e.message };
      errs.push(`expression '${expression}' resulted in error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return errs.length > 0 ? { match: true, error: errs.join(', ') } : { match: true };
}

/**
 * spec.variables in order, each seeing the ones before it; one that fails to evaluate stays unset (reading it
 * errors). Their cost is charged to the validations' budget, as kube-apiserver charges composited variables.
 */
async function bindVariables(policy: Obj, activation: Record<string, unknown>, into: Record<string, unknown>, budget: CostBudget): Promise<void> {
  for (const v of objs(asObj(policy.spec)?.variables)) {
    const name = str(v.name);
    if (name === '' || name === '__proto__') continue;
    try {
      Object.defineProperty(into, name, { value: await evaluate('policy', str(v.expression), activation, budget), enumerable: true, writable: true, configurable: true });
    } catch {
      // left unset: validations that read it report the evaluation error under the failure policy
    }
  }
}

const byName = (a: Readonly<KubeObject>, b: Readonly<KubeObject>) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0);

export function validatingAdmissionPolicyAdmission(deps: PolicyDeps): AdmissionPlugin {
  const gr = (resource: string) => ({ group: 'admissionregistration.k8s.io', resource });
  return {
    name: 'ValidatingAdmissionPolicy',
    handles: (req) => !isExemptAdmissionConfiguration(req.resource.group, req.resource.resource),
    async validate(req) {
      const bindings = [...(await deps.reader.list(gr('validatingadmissionpolicybindings'), ''))].sort(byName);
      if (bindings.length === 0) return;
      let labelsCache: Promise<Record<string, string> | undefined> | undefined;
      const nsLabels = () => (labelsCache ??= deps.namespaceLabels(req.namespace));
      const object = req.operation === 'DELETE' ? null : req.object;
      const oldObject = req.oldObject ? (structuredClone(req.oldObject) as KubeObject) : null;
      const request = celRequest(req);
      const authorizer = celAuthorizer(req, deps.authorizer, req.resource.version);
      let namespaceObject: unknown = null;
      if (req.namespace !== '') {
        const ns = await deps.reader.get({ group: '', resource: 'namespaces' }, '', req.namespace);
        namespaceObject = ns ? toCelValue(ns) : null;
      }
      // the first denial is returned once every binding was evaluated (their audit annotations are kept)
      let denial: StatusError | undefined;
      // per policy: audit annotation key → the distinct values its bindings gave
      const published = new Map<string, Map<string, string[]>>();
      for (const binding of bindings) {
        const bspec = asObj(binding.spec) ?? {};
        const policy = await deps.reader.get(gr('validatingadmissionpolicies'), '', str(bspec.policyName));
        if (!policy) continue;
        const pspec = asObj(policy.spec) ?? {};
        const mc = asObj(pspec.matchConstraints);
        if (!mc || !(await matchResources(mc, req, nsLabels))) continue;
        const mr = asObj(bspec.matchResources);
        if (mr && objs(mr.resourceRules).length > 0 && !(await matchResources(mr, req, nsLabels))) continue;
        const policyName = policy.metadata.name ?? '';
        const bindingName = binding.metadata.name ?? '';
        const ignore = pspec.failurePolicy === 'Ignore';
        const actions = strs(bspec.validationActions);
        const deny = (f: Failure) => {
          denial ??= denied(req, policyName, bindingName, f);
        };
        const decide = (d: Decision) => {
          for (const action of actions) {
            if (action === 'Deny') deny(d);
            else if (action === 'Warn') req.warn?.(`Validation failed for ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}': ${d.message}`);
            else if (action === 'Audit') {
              // one failure per request is recorded under this key (the first; later ones cannot replace it)
              req.annotate?.(validationFailureAnnotation, JSON.stringify([{ message: d.message, policy: policyName, binding: bindingName, expressionIndex: d.index, validationActions: actions }]));
            }
          }
        };
        const failWith = (f: Failure) => {
          if (actions.includes('Deny')) deny(f);
          if (actions.includes('Warn')) req.warn?.(`Validation failed for ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}': ${f.message}`);
        };
        const params = await paramsFor(policy as Obj, binding as Obj, req, deps);
        if ('error' in params) {
          if (!ignore) failWith({ message: params.error, reason: 'Invalid' });
          continue;
        }
        if ('notFound' in params) {
          if (params.notFound === 'Deny') failWith({ message: 'no params found for policy binding with `Deny` parameterNotFoundAction', reason: 'Invalid' });
          continue;
        }
        let annotations = published.get(policyName);
        if (!annotations) published.set(policyName, (annotations = new Map()));
        for (const param of params.params) {
          const variables: Record<string, unknown> = {};
          const activation = celActivation(object, oldObject, request, { params: param === null ? null : toCelValue(param), namespaceObject, variables, authorizer });
          const budget: CostBudget = { remaining: runtimeCelCostBudget };
          await bindVariables(policy as Obj, activation, variables, budget);
          const cond = await conditionsMatch(policy as Obj, activation);
          if (!cond.match) continue;
          if (cond.error) {
            if (!ignore) failWith({ message: cond.error, reason: 'Invalid' });
            continue;
          }
          for (const d of await validate(policy as Obj, activation, ignore, budget)) decide(d);
          const audit = await auditAnnotations(policy as Obj, activation, ignore);
          for (const [key, value] of audit.values) {
            const seen = annotations.get(key) ?? [];
            if (!seen.includes(value)) seen.push(value);
            annotations.set(key, seen);
          }
          // an annotation that fails to evaluate refuses the request (failurePolicy Fail), whatever the actions
          for (const message of audit.errors) deny({ message, reason: 'Invalid' });
        }
      }
      for (const [policyName, annotations] of published) {
        for (const [key, values] of annotations) req.annotate?.(`${policyName}/${key}`, values.join(', '));
      }
      if (denial) throw denial;
    },
  };
}
