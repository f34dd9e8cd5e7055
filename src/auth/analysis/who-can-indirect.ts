// The subjects that are not allowed a request but can give it to themselves in one step, and how (`auth who-can`'s
// second table): impersonating an identity that has it, binding a role that grants it, adding the rule to a role
// they are bound to (escalate), making a role with the rule and binding it (escalate and bind), running a pod as a
// service account that has it, or minting that service account a token. Each route is checked against the same rules the API server applies to that step, so a route is listed only
// when every request it takes would be allowed. The bootstrap policy's own subjects (the cluster's components) are
// left out, as in `auth risks`.
import type { Attributes } from '../types.js';
import { ruleAllows } from '../authz/rbac-rules.js';
import type { PolicyRule, Subject } from '../authz/rbac-types.js';
import { allowedBy, asUser, GrantIndex, workloads, type Identity } from './grant-index.js';
import { allowingRule, describeGrant, grants, resourceAttributes, type Grant, type RbacData } from './rbac-data.js';

export interface IndirectRow {
  kind: string;
  /** As who-can prints subjects: a service account as namespace/name. */
  subject: string;
  how: string;
  via: string[];
}

const rbacGroup = 'rbac.authorization.k8s.io';
const masters = 'system:masters';

type Target = { kind: 'User'; name: string } | { kind: 'Group'; name: string } | { kind: 'ServiceAccount'; name: string; namespace: string };

const step = (who: Identity, verb: string, group: string, resource: string, name: string, namespace: string, subresource = '') =>
  allowedBy(who, resourceAttributes({ verb, group, resource, subresource, name, namespace }));

const via = (gs: Grant[]) => [...new Set(gs.map(describeGrant))];

/** How a route starts: impersonation lends an identity for one request only, so it cannot be followed by another. */
type RouteKind = 'impersonate' | 'bind' | 'escalate' | 'pod' | 'token';
type Route = Omit<IndirectRow, 'kind' | 'subject'> & { by: RouteKind };

const grantsImpersonationOfSomeone = (r: PolicyRule) =>
  r.verbs.some((v) => v === '*' || v === 'impersonate') && (r.apiGroups ?? []).some((g) => g === '*' || g === '') && (r.resources ?? []).some((x) => x === '*' || x === 'users' || x === 'serviceaccounts');

/** Who holds the request directly, as impersonation and pod routes can reach them. */
function holders(attrs: Attributes, data: RbacData): Target[] {
  const out = new Map<string, Target>();
  for (const g of grants(data)) {
    if (!allowingRule(g, attrs)) continue;
    for (const s of g.binding.subjects) {
      const t: Target = s.kind === 'ServiceAccount' ? { kind: 'ServiceAccount', name: s.name, namespace: s.namespace || g.binding.namespace } : s.kind === 'Group' ? { kind: 'Group', name: s.name } : { kind: 'User', name: s.name };
      out.set(`${t.kind}/${'namespace' in t ? `${t.namespace}/` : ''}${t.name}`, t);
    }
  }
  return [...out.values()];
}

function impersonationRoute(who: Identity, targets: Target[]): Route | undefined {
  const someUser = who.grants.filter((g) => g.role!.rules.some(grantsImpersonationOfSomeone));
  // A group can only be impersonated together with a user (or service account).
  const group = (name: string) => {
    const gs = step(who, 'impersonate', '', 'groups', name, '');
    return gs.length > 0 && someUser.length > 0 ? [...gs, ...someUser] : [];
  };
  const tries: [string, () => Grant[]][] = [[`impersonates Group "${masters}"`, () => group(masters)]];
  for (const t of targets) {
    if (t.kind === 'User') tries.push([`impersonates User "${t.name}"`, () => step(who, 'impersonate', '', 'users', t.name, '')]);
    else if (t.kind === 'Group') tries.push([`impersonates Group "${t.name}"`, () => group(t.name)]);
    else tries.push([`impersonates ServiceAccount "${t.namespace}/${t.name}"`, () => [...step(who, 'impersonate', '', 'serviceaccounts', t.name, t.namespace), ...step(who, 'impersonate', '', 'users', `system:serviceaccount:${t.namespace}:${t.name}`, '')]]);
  }
  for (const [how, find] of tries) {
    const gs = find();
    if (gs.length > 0) return { how, via: via(gs), by: 'impersonate' };
  }
  return undefined;
}

/** Creating a binding to a role that grants the request: allowed with `bind` on that role (kube-apiserver's check). */
function bindRoute(who: Identity, attrs: Attributes, data: RbacData): Route | undefined {
  const ns = attrs.namespace;
  const grantsIt = (rules: PolicyRule[]) => rules.some((r) => ruleAllows(attrs, r));
  const clusterRoles = data.clusterRoles.filter((r) => grantsIt(r.rules)).map((r) => r.name);
  if (ns !== '') {
    const createRB = step(who, 'create', rbacGroup, 'rolebindings', '', ns);
    if (createRB.length > 0) {
      for (const r of data.roles.filter((x) => x.namespace === ns && grantsIt(x.rules))) {
        const bind = step(who, 'bind', rbacGroup, 'roles', r.name, ns);
        if (bind.length > 0) return { how: `binds Role "${r.name}" to itself in namespace ${ns} (create rolebindings, bind)`, via: via([...createRB, ...bind]), by: 'bind' };
      }
      for (const name of clusterRoles) {
        const bind = step(who, 'bind', rbacGroup, 'clusterroles', name, ns);
        if (bind.length > 0) return { how: `binds ClusterRole "${name}" to itself in namespace ${ns} (create rolebindings, bind)`, via: via([...createRB, ...bind]), by: 'bind' };
      }
    }
  }
  const createCRB = step(who, 'create', rbacGroup, 'clusterrolebindings', '', '');
  if (createCRB.length === 0) return undefined;
  for (const name of clusterRoles) {
    const bind = step(who, 'bind', rbacGroup, 'clusterroles', name, '');
    if (bind.length > 0) return { how: `binds ClusterRole "${name}" to itself cluster-wide (create clusterrolebindings, bind)`, via: via([...createCRB, ...bind]), by: 'bind' };
  }
  return undefined;
}

/** Adding the rule to a role the subject is already bound to where it applies: `escalate` plus update or patch. */
function escalateRoute(who: Identity, attrs: Attributes, data: RbacData): Route | undefined {
  for (const g of who.grants) {
    const applies = g.bindingKind === 'ClusterRoleBinding' || (attrs.namespace !== '' && g.binding.namespace === attrs.namespace);
    if (!applies || !attrs.resourceRequest && g.bindingKind === 'RoleBinding') continue;
    const cluster = g.binding.roleRef.kind === 'ClusterRole';
    // An aggregated ClusterRole's rules are rewritten by its aggregation: an added rule would not stay.
    if (cluster && data.clusterRoles.find((r) => r.name === g.binding.roleRef.name)?.aggregationSelectors) continue;
    const resource = cluster ? 'clusterroles' : 'roles';
    const ns = cluster ? '' : g.binding.namespace;
    const name = g.binding.roleRef.name;
    const escalate = step(who, 'escalate', rbacGroup, resource, name, ns);
    const write = [...step(who, 'update', rbacGroup, resource, name, ns), ...step(who, 'patch', rbacGroup, resource, name, ns)];
    if (escalate.length > 0 && write.length > 0) return { how: `adds the rule to ${g.binding.roleRef.kind} "${name}" it is bound to (escalate, update)`, via: via([escalate[0]!, write[0]!, g]), by: 'escalate' };
  }
  return undefined;
}

/**
 * Making a role that grants the request and binding it to oneself, when no existing role serves: `create` and
 * `escalate` on roles (escalate lets a role hold rules its author lacks), `bind` on it (the same for the binding), and
 * `create` on bindings where the binding would apply. A Role in the request's namespace, else a ClusterRole (bound
 * there by a RoleBinding, or cluster-wide).
 */
function newRoleRoute(who: Identity, attrs: Attributes): Route | undefined {
  const ns = attrs.resourceRequest ? attrs.namespace : '';
  const all = (...steps: Grant[][]) => (steps.every((gs) => gs.length > 0) ? via(steps.map((gs) => gs[0]!)) : undefined);
  if (ns !== '') {
    const role = all(step(who, 'create', rbacGroup, 'roles', '', ns), step(who, 'escalate', rbacGroup, 'roles', '', ns), step(who, 'bind', rbacGroup, 'roles', '', ns), step(who, 'create', rbacGroup, 'rolebindings', '', ns));
    if (role) return { how: `creates a Role with the rule in namespace ${ns} and binds it to itself (create, escalate and bind roles; create rolebindings)`, via: role, by: 'escalate' };
  }
  const make = [step(who, 'create', rbacGroup, 'clusterroles', '', ''), step(who, 'escalate', rbacGroup, 'clusterroles', '', ''), step(who, 'bind', rbacGroup, 'clusterroles', '', '')];
  const here = ns !== '' ? all(...make, step(who, 'create', rbacGroup, 'rolebindings', '', ns)) : undefined;
  if (here) return { how: `creates a ClusterRole with the rule and binds it to itself in namespace ${ns} (create, escalate and bind clusterroles; create rolebindings)`, via: here, by: 'escalate' };
  const everywhere = all(...make, step(who, 'create', rbacGroup, 'clusterrolebindings', '', ''));
  if (everywhere) return { how: 'creates a ClusterRole with the rule and binds it to itself cluster-wide (create, escalate and bind clusterroles; create clusterrolebindings)', via: everywhere, by: 'escalate' };
  return undefined;
}

/** Running code as a service account that holds the request: creating a workload in its namespace, or a token for it. */
function serviceAccountRoutes(who: Identity, targets: Target[]): Route[] {
  const out: Route[] = [];
  const creators = new Map<string, { resource: string; gs: Grant[] } | undefined>();
  const creator = (ns: string) => {
    if (!creators.has(ns)) {
      let found: { resource: string; gs: Grant[] } | undefined;
      for (const [group, resource] of workloads) {
        const gs = step(who, 'create', group, resource, '', ns);
        if (gs.length > 0) {
          found = { resource, gs };
          break;
        }
      }
      creators.set(ns, found);
    }
    return creators.get(ns);
  };
  let pods: Route | undefined;
  let token: Route | undefined;
  for (const t of targets) {
    if (t.kind === 'ServiceAccount') {
      const c = pods ? undefined : creator(t.namespace);
      if (c) pods = { how: `creates ${c.resource} in namespace ${t.namespace} that run as ServiceAccount "${t.namespace}/${t.name}"`, via: via(c.gs), by: 'pod' };
      const tk = token ? [] : step(who, 'create', '', 'serviceaccounts', t.name, t.namespace, 'token');
      if (tk.length > 0) token = { how: `mints a token for ServiceAccount "${t.namespace}/${t.name}"`, via: via(tk), by: 'token' };
    } else if (t.kind === 'Group' && !pods) {
      // Every service account of a namespace (its "default" one always exists) is in these groups.
      const m = /^system:serviceaccounts:(.+)$/.exec(t.name);
      if (m) {
        const c = creator(m[1]!);
        if (c) pods = { how: `creates ${c.resource} in namespace ${m[1]} that run as its service accounts (Group "${t.name}")`, via: via(c.gs), by: 'pod' };
      }
    }
  }
  if (pods) out.push(pods);
  if (token) out.push(token);
  return out;
}

/** Intermediates a two-step search tries at most (the subjects with a one-step route). */
export const maxIntermediates = 200;

const targetOf = (s: Subject, bindingNamespace: string): Target =>
  s.kind === 'ServiceAccount' ? { kind: 'ServiceAccount', name: s.name, namespace: s.namespace || bindingNamespace } : s.kind === 'Group' ? { kind: 'Group', name: s.name } : { kind: 'User', name: s.name };

const targetText = (t: Target) => (t.kind === 'ServiceAccount' ? `ServiceAccount "${t.namespace}/${t.name}"` : `${t.kind} "${t.name}"`);

/**
 * One row per route for each subject of a binding that cannot make the request itself: one-step routes, then
 * (with `twoSteps`) routes that first become a subject with a one-step route — impersonating it, or running as it
 * (a pod or a token for a service account) — and then take that subject's route. Every step is checked as the one
 * taking it. Impersonation lends an identity for one request, so an impersonated subject's own impersonation route
 * is not followed. `attrs.namespace` is one namespace or "" (cluster-scoped and non-resource requests); "*" (every
 * namespace) is not answered.
 */
export function whoCanIndirectly(attrs: Attributes, data: RbacData, opts: { twoSteps?: boolean } = {}): IndirectRow[] {
  if (attrs.namespace === '*') return [];
  const index = new GrantIndex(data);
  const targets = holders(attrs, data);
  const seen = new Set<string>();
  const rows: IndirectRow[] = [];
  // for the second pass: who has a one-step route (and which), who has none
  const oneStep: { target: Target; route: Route }[] = [];
  const rest: { kind: string; subject: string; who: Identity; has: (v: string) => boolean; reaches: (namespace: string) => boolean }[] = [];
  for (const g of grants(data)) {
    if (g.binding.bootstrap) continue;
    for (const s of g.binding.subjects) {
      if (s.kind === 'Group' && s.name === masters) continue;
      const subject = s.kind === 'ServiceAccount' ? `${s.namespace || g.binding.namespace}/${s.name}` : s.name;
      const key = `${s.kind}/${subject}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const who = index.identity(asUser(s as Subject, g.binding.namespace));
      if (allowedBy(who, attrs).length > 0) continue;
      // Most subjects hold none of the verbs a route needs: skip those routes without evaluating them.
      const verbs = new Set(who.grants.flatMap((x) => x.role!.rules.flatMap((r) => r.verbs)));
      const has = (v: string) => verbs.has(v) || verbs.has('*');
      const bind = has('bind') ? bindRoute(who, attrs, data) : undefined;
      const escalate = has('escalate') ? escalateRoute(who, attrs, data) : undefined;
      const routes = [
        has('impersonate') ? impersonationRoute(who, targets) : undefined,
        bind,
        escalate,
        // a role of its own only when none it may already bind or extend serves
        !bind && !escalate && has('escalate') && has('bind') && has('create') ? newRoleRoute(who, attrs) : undefined,
        ...(has('create') ? serviceAccountRoutes(who, targets) : []),
      ].filter((r): r is Route => r !== undefined);
      for (const { by: _, ...r } of routes) rows.push({ kind: s.kind, subject, ...r });
      if (routes.length > 0) oneStep.push({ target: targetOf(s as Subject, g.binding.namespace), route: routes[0]! });
      else if (has('impersonate') || has('create')) {
        // a grant applies in a namespace when cluster-wide or bound there: no grant there, no pod or token there
        const cluster = who.grants.some((x) => x.bindingKind === 'ClusterRoleBinding');
        const bound = new Set(who.grants.map((x) => x.binding.namespace));
        rest.push({ kind: s.kind, subject, who, has, reaches: (ns) => cluster || bound.has(ns) });
      }
    }
  }
  if (!opts.twoSteps) return rows;
  const intermediates = oneStep.slice(0, maxIntermediates);
  for (const r of rest) {
    for (const { target, route } of intermediates) {
      const first = [
        r.has('impersonate') && route.by !== 'impersonate' ? impersonationRoute(r.who, [target]) : undefined,
        ...(r.has('create') && target.kind !== 'User' && r.reaches(target.kind === 'ServiceAccount' ? target.namespace : target.name.slice('system:serviceaccounts:'.length)) ? serviceAccountRoutes(r.who, [target]) : []),
      ].find((x): x is Route => x !== undefined);
      if (!first) continue;
      rows.push({ kind: r.kind, subject: r.subject, how: `${first.how}; as ${targetText(target)}: ${route.how}`, via: [...new Set([...first.via, ...route.via])] });
      break;
    }
  }
  return rows;
}
