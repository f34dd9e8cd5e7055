// The create-only review kinds (authentication.k8s.io, authorization.k8s.io). They are never stored,
// so there is no name to validate: the handler calls validate() and answers with status filled in.
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { semanticEqual } from '../api/validation/equality.js';
import { asObj, get, str, strings } from './fields.js';
import type { Strategy } from './strategy.js';

function validateAttributes(spec: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  const hasResource = asObj(spec.resourceAttributes) !== undefined;
  const hasNonResource = asObj(spec.nonResourceAttributes) !== undefined;
  if (hasResource && hasNonResource) errs.push(field.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes'));
  if (!hasResource && !hasNonResource) errs.push(field.invalid('spec.resourceAttributes', spec.nonResourceAttributes ?? null, 'exactly one of nonResourceAttributes or resourceAttributes must be specified'));
  return errs;
}

function metaWithout(obj: KubeObject, ...keys: string[]): Record<string, unknown> {
  const meta: Record<string, unknown> = { ...obj.metadata };
  for (const k of ['managedFields', 'creationTimestamp', ...keys]) delete meta[k];
  return meta;
}

function validateSubjectAccessReview(sar: KubeObject): FieldError[] {
  const spec = asObj(sar.spec) ?? {};
  const errs = validateAttributes(spec);
  if (str(spec.user) === '' && strings(spec.groups).length === 0) errs.push(field.invalid('spec.user', str(spec.user), 'at least one of user or group must be specified'));
  if (!semanticEqual(metaWithout(sar), {})) errs.push(field.invalid('metadata', sar.metadata, 'must be empty'));
  return errs;
}

function validateLocalSubjectAccessReview(sar: KubeObject): FieldError[] {
  const spec = asObj(sar.spec) ?? {};
  const errs = validateAttributes(spec);
  if (str(spec.user) === '' && strings(spec.groups).length === 0) errs.push(field.invalid('spec.user', str(spec.user), 'at least one of user or group must be specified'));
  if (!semanticEqual(metaWithout(sar, 'namespace'), {})) errs.push(field.invalid('metadata', sar.metadata, 'must be empty except for namespace'));
  const ra = asObj(spec.resourceAttributes);
  if (ra && str(ra.namespace) !== (sar.metadata.namespace ?? '')) {
    errs.push(field.invalid('spec.resourceAttributes.namespace', str(ra.namespace), 'must match metadata.namespace'));
  }
  if (asObj(spec.nonResourceAttributes)) errs.push(field.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'disallowed on this kind of request'));
  return errs;
}

function validateSelfSubjectAccessReview(ssar: KubeObject): FieldError[] {
  return validateAttributes(asObj(ssar.spec) ?? {});
}

const validators: Record<string, (obj: KubeObject) => FieldError[]> = {
  SubjectAccessReview: validateSubjectAccessReview,
  LocalSubjectAccessReview: validateLocalSubjectAccessReview,
  SelfSubjectAccessReview: validateSelfSubjectAccessReview,
};

export function isReviewKind(resource: ResourceInfo): boolean {
  return resource.verbs.length === 1 && resource.verbs[0] === 'create' && (resource.group === 'authentication.k8s.io' || resource.group === 'authorization.k8s.io');
}

export function reviewStrategy(resource: ResourceInfo): Strategy {
  const validate = validators[resource.kind] ?? (() => []);
  return {
    resource,
    prepareForCreate(obj) {
      // Whatever status the client sent is ignored; the server computes it.
      delete obj.status;
      if (get(obj, 'spec') === undefined) obj.spec = {};
    },
    validate,
  };
}
