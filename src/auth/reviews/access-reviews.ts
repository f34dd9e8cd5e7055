// SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectAccessReview and SelfSubjectRulesReview
// (pkg/registry/authorization/*): answered by the same authorizer that guards every request.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import type { CustomHandler, CustomScope } from '../../apiserver/router.js';
import { errors, field, type FieldError } from '../../api/status.js';
import type { Attributes, Authorizer, UserInfo } from '../types.js';
import type { PolicyRule } from '../authz/rbac-types.js';
import { decodeReview, extraOf, reviewResponse, specOf, str, strings } from './common.js';

/** What a rules review asks of each authorizer that can list rules (RBAC, system:masters). */
export interface RulesResolver {
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] };
}

function attributesFromSpec(spec: Record<string, unknown>, user: UserInfo): Attributes {
  const ra = spec['resourceAttributes'];
  if (isRecord(ra)) {
    return {
      user,
      verb: str(ra, 'verb'),
      resourceRequest: true,
      namespace: str(ra, 'namespace'),
      apiGroup: str(ra, 'group'),
      apiVersion: str(ra, 'version'),
      resource: str(ra, 'resource'),
      subresource: str(ra, 'subresource'),
      name: str(ra, 'name'),
      path: '',
    };
  }
  const nra = isRecord(spec['nonResourceAttributes']) ? spec['nonResourceAttributes'] : {};
  return { user, verb: str(nra, 'verb'), resourceRequest: false, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '', path: str(nra, 'path') };
}

function specErrors(spec: Record<string, unknown>): FieldError[] {
  const hasResource = spec['resourceAttributes'] !== undefined && spec['resourceAttributes'] !== null;
  const hasNonResource = spec['nonResourceAttributes'] !== undefined && spec['nonResourceAttributes'] !== null;
  if (hasResource && hasNonResource) return [{ ...field.invalid('spec.nonResourceAttributes', spec['nonResourceAttributes'], 'cannot be specified in combination with resourceAttributes'), renderedValue: goStruct(spec['nonResourceAttributes']) }];
  if (!hasResource && !hasNonResource) return [{ ...field.invalid('spec.resourceAttributes', null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified'), renderedValue: 'null' }];
  return [];
}

/** Go's %v of a small struct pointer, e.g. &{/foo get}. */
function goStruct(v: unknown): string {
  if (!isRecord(v)) return 'null';
  return `&{${Object.values(v).map(String).join(' ')}}`;
}

function invalid(s: CustomScope, obj: KubeObject, errs: FieldError[]): never {
  throw errors.invalid({ group: s.resource.group, kind: s.resource.kind }, obj.metadata.name ?? '', errs);
}

async function decide(authorizer: Authorizer, obj: KubeObject, attrs: Attributes) {
  const d = await authorizer.authorize(attrs);
  const status: Record<string, unknown> = { allowed: d.decision === 'allow' };
  if (d.decision === 'deny') status['denied'] = true;
  if (d.reason) status['reason'] = d.reason;
  return reviewResponse(obj, status);
}

export function selfSubjectAccessReviewHandler(authorizer: Authorizer): CustomHandler {
  return async function selfSubjectAccessReview(s) {
    const obj = await decodeReview(s);
    const spec = specOf(obj);
    const errs = specErrors(spec);
    if (errs.length) invalid(s, obj, errs);
    const user = s.ctx.user;
    if (!user) throw errors.internal(new Error('no user found for request'));
    return decide(authorizer, obj, attributesFromSpec(spec, user));
  };
}

function userFromSpec(spec: Record<string, unknown>): UserInfo {
  const extra = extraOf(spec['extra']);
  return { name: str(spec, 'user'), groups: strings(spec['groups']), ...(str(spec, 'uid') ? { uid: str(spec, 'uid') } : {}), ...(extra ? { extra } : {}) };
}

export function subjectAccessReviewHandler(authorizer: Authorizer): CustomHandler {
  return async function subjectAccessReview(s) {
    const obj = await decodeReview(s);
    const spec = specOf(obj);
    const errs = specErrors(spec);
    if (str(spec, 'user') === '' && strings(spec['groups']).length === 0) errs.push(field.invalid('spec.user', '', 'at least one of user or group must be specified'));
    if (errs.length) invalid(s, obj, errs);
    return decide(authorizer, obj, attributesFromSpec(spec, userFromSpec(spec)));
  };
}

export function localSubjectAccessReviewHandler(authorizer: Authorizer): CustomHandler {
  return async function localSubjectAccessReview(s) {
    const obj = await decodeReview(s);
    const namespace = s.info.namespace;
    if (!namespace) throw errors.badRequest(`namespace is required on this type: ${namespace}`);
    if (obj.metadata.namespace && obj.metadata.namespace !== namespace) throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    const spec = specOf(obj);
    const errs = specErrors(spec);
    if (str(spec, 'user') === '' && strings(spec['groups']).length === 0) errs.push(field.invalid('spec.user', '', 'at least one of user or group must be specified'));
    if (spec['nonResourceAttributes'] !== undefined && spec['nonResourceAttributes'] !== null) errs.push({ ...field.invalid('spec.nonResourceAttributes', spec['nonResourceAttributes'], 'disallowed on this kind of request'), renderedValue: goStruct(spec['nonResourceAttributes']) });
    if (errs.length) invalid(s, obj, errs);
    const ra = isRecord(spec['resourceAttributes']) ? spec['resourceAttributes'] : {};
    if (str(ra, 'namespace') !== namespace) throw errors.badRequest(`spec.resourceAttributes.namespace must match namespace: ${namespace}`);
    obj.metadata.namespace = namespace;
    return decide(authorizer, obj, attributesFromSpec(spec, userFromSpec(spec)));
  };
}

/** Splits policy rules into the review's resource and non-resource rules, leaving out empty lists. */
function reviewRules(rules: PolicyRule[]): { resourceRules: Record<string, unknown>[]; nonResourceRules: Record<string, unknown>[] } {
  const resourceRules: Record<string, unknown>[] = [];
  const nonResourceRules: Record<string, unknown>[] = [];
  for (const r of rules) {
    if ((r.resources ?? []).length > 0) {
      const rr: Record<string, unknown> = { verbs: r.verbs };
      if ((r.apiGroups ?? []).length > 0) rr['apiGroups'] = r.apiGroups;
      rr['resources'] = r.resources;
      if ((r.resourceNames ?? []).length > 0) rr['resourceNames'] = r.resourceNames;
      resourceRules.push(rr);
    }
    if ((r.nonResourceURLs ?? []).length > 0) nonResourceRules.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
  }
  return { resourceRules, nonResourceRules };
}

export function selfSubjectRulesReviewHandler(resolvers: RulesResolver[]): CustomHandler {
  return async function selfSubjectRulesReview(s) {
    const obj = await decodeReview(s);
    const namespace = str(specOf(obj), 'namespace');
    if (!namespace) throw errors.badRequest('no namespace on request');
    const user = s.ctx.user;
    if (!user) throw errors.internal(new Error('no user found for request'));
    return reviewResponse(obj, rulesReviewStatus(resolvers, user, namespace));
  };
}

/** A rules review's status: every resolver's rules for the user in the namespace, and their errors. */
export function rulesReviewStatus(resolvers: readonly RulesResolver[], user: UserInfo, namespace: string): Record<string, unknown> {
  const rules: PolicyRule[] = [];
  const errs: string[] = [];
  for (const r of resolvers) {
    const got = r.rulesFor(user, namespace);
    rules.push(...got.rules);
    errs.push(...got.errors);
  }
  const status: Record<string, unknown> = { ...reviewRules(rules), incomplete: errs.length > 0 };
  if (errs.length > 0) status['evaluationError'] = errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`;
  return status;
}
