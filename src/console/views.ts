// What the console's views show, computed as the signed-in person: RBAC objects listed with their credential and
// evaluated with the shared analysis code (src/auth/analysis), the same as a-kubectl auth who-can / can-i --explain.
import { isRecord, type KubeObject } from '../api/object.js';
import { compactString } from '../auth/authz/rbac-rules.js';
import type { BindingLike, PolicyRule, RoleLike } from '../auth/authz/rbac-types.js';
import type { GraphBinding, GraphData, GraphRole, GraphRule, Matrix, MatrixRow, WhyAnswer, WhyQuestion } from './api-types.js';
import { explainDenial, fixCommands } from '../auth/analysis/explain.js';
import { fetchRbac, nonResourceAttributes, resourceAttributes, type CollectionLister, type RbacData } from '../auth/analysis/rbac-data.js';
import { whoCan } from '../auth/analysis/who-can.js';
import type { Attributes, UserInfo } from '../auth/types.js';
import { UpstreamError, type PersonalClient } from './upstream.js';

const rbacKinds: Record<string, string> = { clusterroles: 'ClusterRole', clusterrolebindings: 'ClusterRoleBinding', roles: 'Role', rolebindings: 'RoleBinding' };

export interface ListedRbac {
  data: RbacData;
  /** Labels by "Kind/namespace/name". */
  labels: Map<string, Record<string, string>>;
  /** The lists the person may not read, with the API server's message. */
  forbidden: string[];
}

function labelsOf(o: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  const l = o.metadata?.labels;
  if (isRecord(l)) for (const [k, v] of Object.entries(l)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Roles and bindings as the person may list them; a forbidden list counts as empty and is reported. */
export async function listRbac(client: PersonalClient, namespace: string, signal: AbortSignal): Promise<ListedRbac> {
  const labels = new Map<string, Record<string, string>>();
  const forbidden: string[] = [];
  const lister: CollectionLister = {
    async list(path, o) {
      const kind = rbacKinds[path.slice(path.lastIndexOf('/') + 1)] ?? '';
      try {
        const r = await client.list(path, o);
        for (const item of r.items) labels.set(`${kind}/${item.metadata?.namespace ?? ''}/${item.metadata?.name ?? ''}`, labelsOf(item));
        return r;
      } catch (e) {
        if (e instanceof UpstreamError && e.status === 403) {
          forbidden.push(e.message);
          return { items: [] };
        }
        throw e;
      }
    },
  };
  const data = await fetchRbac(lister, namespace, signal);
  const asked = namespace ? 4 : 2;
  if (forbidden.length === asked) throw new UpstreamError(403, forbidden.join('\n'), 'Forbidden');
  return { data, labels, forbidden };
}

export async function graphData(client: PersonalClient, namespace: string, signal: AbortSignal): Promise<GraphData> {
  const { data, labels, forbidden } = await listRbac(client, namespace, signal);
  const role = (kind: GraphRole['kind'], r: RoleLike): GraphRole => ({
    kind,
    name: r.name,
    namespace: r.namespace,
    labels: labels.get(`${kind}/${r.namespace}/${r.name}`) ?? {},
    rules: r.rules.map((rule) => ({ text: compactString(rule), rule })),
  });
  const binding = (kind: GraphBinding['kind'], b: BindingLike): GraphBinding => ({
    kind,
    name: b.name,
    namespace: b.namespace,
    labels: labels.get(`${kind}/${b.namespace}/${b.name}`) ?? {},
    roleRef: b.roleRef,
    subjects: b.subjects,
  });
  return {
    namespace,
    roles: [...data.clusterRoles.map((r) => role('ClusterRole', r)), ...data.roles.map((r) => role('Role', r))],
    bindings: [...data.clusterRoleBindings.map((b) => binding('ClusterRoleBinding', b)), ...data.roleBindings.map((b) => binding('RoleBinding', b))],
    forbidden,
  };
}

/** The namespaced resources every matrix shows (rakkess shows all; these are the ones people grant most). */
export const matrixResources = [
  'pods', 'pods/log', 'pods/exec', 'services', 'endpoints', 'configmaps', 'secrets', 'serviceaccounts', 'persistentvolumeclaims', 'events',
  'deployments.apps', 'replicasets.apps', 'statefulsets.apps', 'daemonsets.apps', 'jobs.batch', 'cronjobs.batch',
  'ingresses.networking.k8s.io', 'networkpolicies.networking.k8s.io', 'roles.rbac.authorization.k8s.io', 'rolebindings.rbac.authorization.k8s.io',
];
export const matrixVerbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/** "deployments.apps" → group apps, resource deployments; "pods/log" → subresource log. */
export function splitResource(text: string): { group: string; resource: string; subresource: string } {
  const slash = text.indexOf('/');
  const main = slash < 0 ? text : text.slice(0, slash);
  const rest = slash < 0 ? '' : text.slice(slash + 1);
  const dot = main.indexOf('.');
  const resource = dot < 0 ? main : main.slice(0, dot);
  const group = dot < 0 ? '' : main.slice(dot + 1);
  // "pods/log.group" is unusual; a group after the subresource is read as the group too
  const subDot = rest.indexOf('.');
  return subDot < 0 ? { group, resource, subresource: rest } : { group: group || rest.slice(subDot + 1), resource, subresource: rest.slice(0, subDot) };
}

/** Resources named in the namespace's own rules, besides the fixed list (no wildcards). */
function resourcesInRules(data: RbacData): string[] {
  const out: string[] = [];
  for (const r of data.roles) {
    for (const rule of r.rules) {
      for (const res of rule.resources ?? []) {
        if (res.includes('*')) continue;
        for (const g of rule.apiGroups ?? []) if (g !== '*') out.push(g ? `${res.includes('/') ? res.replace('/', `.${g}/`) : `${res}.${g}`}` : res);
      }
    }
  }
  return out;
}

/** Subjects × resources × verbs for a namespace: who-can for every cell, over the RBAC objects the person may list. */
export function accessMatrix(namespace: string, listed: ListedRbac): Matrix {
  const resources = [...new Set([...matrixResources, ...resourcesInRules(listed.data)])];
  const rows = new Map<string, MatrixRow>();
  for (const res of resources) {
    const { group, resource, subresource } = splitResource(res);
    for (const verb of matrixVerbs) {
      for (const w of whoCan(resourceAttributes({ verb, group, resource, subresource, name: '', namespace }), listed.data)) {
        const key = `${w.kind}\u0000${w.subject}`;
        let row = rows.get(key);
        if (!row) rows.set(key, (row = { kind: w.kind, subject: w.subject, cells: {} }));
        const cell = Object.hasOwn(row.cells, res) ? row.cells[res]! : (row.cells[res] = []);
        if (!cell.includes(verb)) cell.push(verb);
      }
    }
  }
  const sorted = [...rows.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.subject.localeCompare(b.subject));
  return { namespace, resources, verbs: matrixVerbs, rows: sorted, forbidden: listed.forbidden };
}

/** Whether a resource lives in namespaces, from discovery as the person (namespaced when unknown). */
async function isNamespaced(client: PersonalClient, group: string, resource: string, signal: AbortSignal): Promise<boolean> {
  try {
    let path = '/api/v1';
    if (group) {
      const g = await client.get(`/apis/${encodeURIComponent(group)}`, { signal });
      const preferred = isRecord(g) && isRecord(g.preferredVersion) && typeof g.preferredVersion.groupVersion === 'string' ? g.preferredVersion.groupVersion : '';
      if (!preferred) return true;
      path = `/apis/${preferred.split('/').map(encodeURIComponent).join('/')}`;
    }
    const list = await client.get(path, { signal });
    const found = isRecord(list) && Array.isArray(list.resources) ? list.resources.find((r) => isRecord(r) && r.name === resource) : undefined;
    return isRecord(found) ? found.namespaced === true : true;
  } catch {
    return true;
  }
}

export function whyAttributes(q: WhyQuestion): Attributes {
  const user: UserInfo = { name: q.user, groups: q.groups };
  if (q.path) return nonResourceAttributes(q.verb, q.path, user);
  const { group, resource, subresource } = splitResource(q.resource);
  return resourceAttributes({ verb: q.verb, group, resource, subresource, name: q.name, namespace: q.namespace }, user);
}

/** The server's answer (a SubjectAccessReview as the person) and, when no, the explanation and fix. */
export async function why(client: PersonalClient, q: WhyQuestion, signal: AbortSignal): Promise<WhyAnswer> {
  const attrs = whyAttributes(q);
  const spec = attrs.resourceRequest
    ? { user: q.user, groups: q.groups, resourceAttributes: { verb: attrs.verb, group: attrs.apiGroup, resource: attrs.resource, subresource: attrs.subresource, name: attrs.name, namespace: attrs.namespace } }
    : { user: q.user, groups: q.groups, nonResourceAttributes: { verb: attrs.verb, path: attrs.path } };
  const review = await client.create('/apis/authorization.k8s.io/v1/subjectaccessreviews', { kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec }, { signal });
  const status = isRecord(review) && isRecord(review.status) ? review.status : {};
  const allowed = status.allowed === true;
  const reason = typeof status.reason === 'string' ? status.reason : '';
  const evaluationError = typeof status.evaluationError === 'string' ? status.evaluationError : '';
  if (allowed) return { allowed, reason, evaluationError, explanation: '', fix: [] };
  // every namespace's roles and bindings when the person may read them, else the namespace asked about
  const listed = await listRbac(client, '*', signal).catch(() => listRbac(client, attrs.namespace, signal));
  const namespaced = attrs.resourceRequest ? await isNamespaced(client, attrs.apiGroup, attrs.resource, signal) : false;
  return {
    allowed,
    reason,
    evaluationError,
    explanation: explainDenial(attrs, listed.data, { namespaced }),
    fix: fixCommands(attrs, listed.data, { namespaced }),
  };
}

/** Names of the namespaces the person may list. */
export async function namespaces(client: PersonalClient, signal: AbortSignal): Promise<string[]> {
  const list = await client.list('/api/v1/namespaces', { signal });
  return list.items.map((n) => n.metadata?.name ?? '').filter((n) => n !== '').sort();
}
