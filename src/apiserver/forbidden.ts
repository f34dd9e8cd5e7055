// The 403 text kube-apiserver builds from request attributes (responsewriters/errors.go forbiddenMessage),
// shared by authorization, impersonation, RBAC escalation checks and admission.
import type { Attributes } from '../auth/types.js';
import { errors, type StatusError } from '../api/status.js';

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function forbiddenMessage(attrs: Attributes): string {
  const user = attrs.user.name;
  if (!attrs.resourceRequest) return `User "${user}" cannot ${attrs.verb} path "${attrs.path}"`;
  const res = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
  return `User "${user}" cannot ${attrs.verb} resource "${res}" in API group "${attrs.apiGroup}" ${scope}`;
}

export function forbiddenError(attrs: Attributes, reason: string): StatusError {
  let inner = forbiddenMessage(attrs);
  if (reason) inner += `: ${reason}`;
  inner = escapeHtml(inner);
  if (!attrs.resourceRequest) return errors.forbidden({ group: '', resource: '' }, '', inner);
  return errors.forbidden({ group: attrs.apiGroup, resource: attrs.resource }, attrs.name, inner);
}
