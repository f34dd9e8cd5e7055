// One identity's grants, found without scanning every binding: the index behind `auth risks` and the indirect
// routes of `auth who-can`. A binding's subject is evaluated as the identity it stands for (a group as a user that
// has only that group).
import { ruleAllows } from '../authz/rbac-rules.js';
import type { Subject } from '../authz/rbac-types.js';
import type { Attributes, UserInfo } from '../types.js';
import { grants, type Grant, type RbacData } from './rbac-data.js';

/** `ServiceAccount ns-1/k-sa-1`, `User alice`, `Group dev`. */
export function subjectText(s: Subject, bindingNamespace: string): string {
  return s.kind === 'ServiceAccount' ? `ServiceAccount ${s.namespace || bindingNamespace}/${s.name}` : `${s.kind} ${s.name}`;
}

/** The identity a subject stands for when RBAC evaluates it. */
export function asUser(s: Subject, bindingNamespace: string): UserInfo {
  if (s.kind === 'ServiceAccount') {
    const ns = s.namespace || bindingNamespace;
    return { name: `system:serviceaccount:${ns}:${s.name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] };
  }
  if (s.kind === 'Group') return { name: '', groups: [s.name] };
  return { name: s.name, groups: s.name === 'system:anonymous' ? ['system:unauthenticated'] : ['system:authenticated'] };
}

export class GrantIndex {
  private readonly bySubject = new Map<string, Grant[]>();
  /** Service accounts named by some binding, per namespace. */
  readonly serviceAccounts = new Map<string, Set<string>>();

  constructor(data: RbacData) {
    for (const g of grants(data)) {
      if (!g.role) continue;
      for (const s of g.binding.subjects) {
        const key = s.kind === 'ServiceAccount' ? `ServiceAccount:${s.namespace || g.binding.namespace}/${s.name}` : `${s.kind}:${s.name}`;
        const list = this.bySubject.get(key) ?? [];
        if (!list.includes(g)) list.push(g);
        this.bySubject.set(key, list);
        if (s.kind === 'ServiceAccount') {
          const ns = s.namespace || g.binding.namespace;
          const set = this.serviceAccounts.get(ns) ?? new Set<string>();
          set.add(s.name);
          this.serviceAccounts.set(ns, set);
        }
      }
    }
  }

  of(user: UserInfo): Grant[] {
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user.name);
    const keys = [`User:${user.name}`, ...(sa ? [`ServiceAccount:${sa[1]}/${sa[2]}`] : []), ...user.groups.map((g) => `Group:${g}`)];
    return [...new Set(keys.flatMap((k) => this.bySubject.get(k) ?? []))];
  }

  identity(user: UserInfo): Identity {
    return { user, grants: this.of(user) };
  }
}

/** The kinds whose creation runs a pod, and so code as one of the namespace's service accounts. */
export const workloads: readonly (readonly [group: string, resource: string])[] = [['', 'pods'], ['apps', 'deployments'], ['apps', 'daemonsets'], ['apps', 'statefulsets'], ['apps', 'replicasets'], ['batch', 'jobs'], ['batch', 'cronjobs'], ['', 'replicationcontrollers']];

/** An identity and its grants, looked up once. */
export interface Identity {
  user: UserInfo;
  grants: Grant[];
}

/** Which of the identity's grants let it do `attrs` (a RoleBinding only in its namespace; "" = cluster-wide only). */
export function allowedBy(who: Identity, attrs: Omit<Attributes, 'user'>): Grant[] {
  const a = { ...attrs, user: who.user };
  return who.grants.filter((g) => {
    if (g.bindingKind === 'RoleBinding' && (attrs.namespace === '' || attrs.namespace !== g.binding.namespace)) return false;
    return g.role!.rules.some((r) => ruleAllows(a, r));
  });
}
