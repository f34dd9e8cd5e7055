// What the console's views show, computed as the signed-in person: RBAC objects listed with their credential and
// evaluated with the shared analysis code (src/auth/analysis), the same as a-kubectl auth who-can / can-i --explain.
import { isRecord, type KubeObject } from '../api/object.js';
import { apiGroupMatches, compactString, resourceMatches, ruleAllows } from '../auth/authz/rbac-rules.js';
import type { BindingLike, RoleLike } from '../auth/authz/rbac-types.js';
import type { GraphBinding, GraphData, GraphRole, GraphRule, Matrix, MatrixRow, WhyAnswer, WhyQuestion } from './api-types.js';
import { allowedWithoutReason, explainDenial, fixCommands } from '../auth/analysis/explain.js';
import { fetchRbac, grants, nonResourceAttributes, resourceAttributes, type CollectionLister, type RbacData } from '../auth/analysis/rbac-data.js';
import { servedResources, type ServedResource, type ServedResources } from './discovery.js';
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

export const matrixVerbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
/** Subjects (rows) a matrix shows at most. */
export const maxMatrixRows = 2000;

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

/** The matrix's columns: the namespaced resources discovered, each with the matrix verbs it serves. */
function columns(served: readonly ServedResource[]): { resource: ServedResource; verbs: string[] }[] {
  const out: { resource: ServedResource; verbs: string[] }[] = [];
  const seen = new Set<string>();
  for (const r of served) {
    if (!r.namespaced || seen.has(r.name)) continue;
    const verbs = matrixVerbs.filter((v) => r.verbs.includes(v));
    if (verbs.length === 0) continue;
    seen.add(r.name);
    out.push({ resource: r, verbs });
  }
  return out;
}

/**
 * Subjects × resources × verbs for a namespace over the RBAC objects the person may list and the resources the
 * cluster serves. Each role is evaluated once (its rules against every column, with the server's rule matching);
 * its bindings' subjects share the answer.
 */
export function accessMatrix(namespace: string, listed: ListedRbac, served: ServedResources): Matrix {
  const cols = columns(served.resources);
  const byRole = new Map<RoleLike, Map<string, string[]>>();
  const cellsOf = (role: RoleLike): Map<string, string[]> => {
    let cells = byRole.get(role);
    if (cells) return cells;
    cells = new Map();
    for (const rule of role.rules) {
      for (const { resource: r, verbs } of cols) {
        // group and resource first: most rules name few resources
        if (!apiGroupMatches(rule, r.group) || !resourceMatches(rule, r.subresource ? `${r.resource}/${r.subresource}` : r.resource, r.subresource)) continue;
        for (const verb of verbs) {
          if (!ruleAllows(resourceAttributes({ verb, group: r.group, resource: r.resource, subresource: r.subresource, name: '', namespace }), rule)) continue;
          const have = cells.get(r.name) ?? [];
          if (!have.includes(verb)) have.push(verb);
          cells.set(r.name, have);
        }
      }
    }
    byRole.set(role, cells);
    return cells;
  };
  const rows = new Map<string, MatrixRow>();
  let truncated = served.truncated;
  for (const g of grants(listed.data)) {
    if (!g.role || (g.bindingKind === 'RoleBinding' && g.binding.namespace !== namespace)) continue;
    const cells = cellsOf(g.role);
    if (cells.size === 0) continue;
    for (const s of g.binding.subjects) {
      const subject = s.kind === 'ServiceAccount' ? `${s.namespace || g.binding.namespace}/${s.name}` : s.name;
      const key = `${s.kind}\u0000${subject}`;
      let row = rows.get(key);
      if (!row) {
        if (rows.size >= maxMatrixRows) {
          truncated = true;
          continue;
        }
        rows.set(key, (row = { kind: s.kind, subject, cells: {} }));
      }
      for (const [res, verbs] of cells) {
        const cell = Object.hasOwn(row.cells, res) ? row.cells[res]! : (row.cells[res] = []);
        for (const v of verbs) if (!cell.includes(v)) cell.push(v);
      }
    }
  }
  for (const row of rows.values()) for (const res of Object.keys(row.cells)) row.cells[res]!.sort((a, b) => matrixVerbs.indexOf(a) - matrixVerbs.indexOf(b));
  const sorted = [...rows.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.subject.localeCompare(b.subject));
  return {
    namespace,
    resources: cols.map((c) => c.resource.name),
    resourceVerbs: Object.fromEntries(cols.map((c) => [c.resource.name, c.verbs])),
    verbs: matrixVerbs,
    rows: sorted,
    forbidden: listed.forbidden,
    truncated,
  };
}

/** Whether a resource lives in namespaces, from the discovery the matrix uses, as the person (namespaced when unknown). */
async function isNamespaced(client: PersonalClient, group: string, resource: string, signal: AbortSignal): Promise<boolean> {
  try {
    const found = (await servedResources(client, signal)).resources.find((r) => r.group === group && r.resource === resource && r.subresource === '');
    return found ? found.namespaced : true;
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
  if (allowed) return { allowed, reason, evaluationError, explanation: reason ? '' : allowedWithoutReason(attrs.user), fix: [] };
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
