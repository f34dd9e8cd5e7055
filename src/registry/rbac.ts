// rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding (pkg/apis/rbac/validation).
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { semanticEqual } from '../api/validation/equality.js';
import { isDNS1123Subdomain, nameIsPathSegment } from '../api/validation/names.js';
import { asObj, get, objects, setDefault, str, strings, type Obj } from './fields.js';
import { defineStrategy } from './define.js';
import { validateLabelSelector } from './label-selector.js';
import type { Strategy, TablePrinter } from './strategy.js';
import { age, column, nameColumn, ageColumn } from './table.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

function validateRule(rule: Obj, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (strings(rule.verbs).length === 0) errs.push(field.required(`${path}.verbs`, 'verbs must contain at least one value'));
  const nonResourceURLs = strings(rule.nonResourceURLs);
  if (nonResourceURLs.length > 0) {
    if (namespaced) errs.push(field.invalid(`${path}.nonResourceURLs`, nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if (strings(rule.apiGroups).length > 0 || strings(rule.resources).length > 0 || strings(rule.resourceNames).length > 0) {
      errs.push(field.invalid(`${path}.nonResourceURLs`, nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (!Array.isArray(rule.apiGroups) || rule.apiGroups.length === 0) errs.push(field.required(`${path}.apiGroups`, 'resource rules must supply at least one api group'));
  if (strings(rule.resources).length === 0) errs.push(field.required(`${path}.resources`, 'resource rules must supply at least one resource'));
  return errs;
}

function validateRules(obj: KubeObject, namespaced: boolean): FieldError[] {
  return objects(obj.rules).flatMap((rule, i) => validateRule(rule, namespaced, `rules[${i}]`));
}

function validateClusterRole(obj: KubeObject): FieldError[] {
  const errs = validateRules(obj, false);
  const aggregation = asObj(obj.aggregationRule);
  if (aggregation) {
    const selectors = objects(aggregation.clusterRoleSelectors);
    if (selectors.length === 0) {
      errs.push(field.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    }
    selectors.forEach((s, i) => errs.push(...validateLabelSelector(s, `aggregationRule.clusterRoleSelectors[${i}]`)));
  }
  return errs;
}

function defaultBinding(binding: KubeObject): void {
  const roleRef = asObj(binding.roleRef);
  if (roleRef) setDefault(roleRef, 'apiGroup', RBAC_GROUP);
  for (const subject of objects(binding.subjects)) {
    if (subject.kind === 'User' || subject.kind === 'Group') setDefault(subject, 'apiGroup', RBAC_GROUP);
  }
}

function validateSubject(subject: Obj, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(subject.name);
  if (name === '') errs.push(field.required(`${path}.name`));
  const apiGroup = str(subject.apiGroup);
  switch (subject.kind) {
    case 'ServiceAccount':
      if (name !== '') errs.push(...isDNS1123Subdomain(name).map((msg) => field.invalid(`${path}.name`, name, msg)));
      if (apiGroup !== '') errs.push(field.notSupported(`${path}.apiGroup`, apiGroup, ['']));
      if (!namespaced && str(subject.namespace) === '') errs.push(field.required(`${path}.namespace`));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(field.notSupported(`${path}.apiGroup`, apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(field.notSupported(`${path}.kind`, str(subject.kind), ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function validateBinding(binding: KubeObject, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const roleRef = asObj(binding.roleRef) ?? {};
  const apiGroup = str(roleRef.apiGroup);
  if (apiGroup !== RBAC_GROUP) errs.push(field.notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(str(roleRef.kind))) errs.push(field.notSupported('roleRef.kind', str(roleRef.kind), kinds));
  const name = str(roleRef.name);
  if (name === '') errs.push(field.required('roleRef.name'));
  else errs.push(...nameIsPathSegment(name, false).map((msg) => field.invalid('roleRef.name', name, msg)));
  objects(binding.subjects).forEach((s, i) => errs.push(...validateSubject(s, namespaced, `subjects[${i}]`)));
  return errs;
}

/** Go's %#v of rbac.RoleRef, as the "cannot change roleRef" message shows it. */
function goRoleRef(ref: unknown): string {
  const r = asObj(ref) ?? {};
  return `rbac.RoleRef{APIGroup:${JSON.stringify(str(r.apiGroup))}, Kind:${JSON.stringify(str(r.kind))}, Name:${JSON.stringify(str(r.name))}}`;
}

function validateRoleRefUnchanged(binding: KubeObject, old: KubeObject): FieldError[] {
  if (semanticEqual(binding.roleRef, old.roleRef)) return [];
  return [{ ...field.invalid('roleRef', binding.roleRef ?? null, 'cannot change roleRef'), renderedValue: goRoleRef(binding.roleRef) }];
}

export const bindingTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Role', 'Role is the role being referenced'),
    ageColumn,
    column('Users', 'Users in the roleBinding', { wide: true }),
    column('Groups', 'Groups in the roleBinding', { wide: true }),
    column('ServiceAccounts', 'ServiceAccounts in the roleBinding', { wide: true }),
  ],
  cells(binding, now) {
    const subjects = objects(binding.subjects);
    const names = (kind: string) => subjects.filter((s) => s.kind === kind);
    return [
      binding.metadata.name ?? '',
      `${str(get(binding, 'roleRef', 'kind'))}/${str(get(binding, 'roleRef', 'name'))}`,
      age(binding, now),
      names('User').map((s) => str(s.name)).join(', '),
      names('Group').map((s) => str(s.name)).join(', '),
      names('ServiceAccount').map((s) => `${str(s.namespace)}/${str(s.name)}`).join(', '),
    ];
  },
};

export function roleStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    nameValidator: nameIsPathSegment,
    validate: (role) => (resource.kind === 'ClusterRole' ? validateClusterRole(role) : validateRules(role, true)),
  });
}

export function roleBindingStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    nameValidator: nameIsPathSegment,
    defaults: defaultBinding,
    validate: (binding) => validateBinding(binding, resource.namespaced),
    validateUpdate: validateRoleRefUnchanged,
    table: bindingTable,
  });
}
