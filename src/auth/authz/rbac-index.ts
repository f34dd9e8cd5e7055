// The RBAC policy held in memory and indexed by subject, so a request looks only at the bindings
// that name its user, one of its groups or its service account — never at all bindings.
import type { KubeObject } from '../../api/object.js';
import type { UserInfo } from '../types.js';
import { toBinding, toRole, type BindingLike, type RoleLike, type Subject } from './rbac-types.js';

export type RbacKind = 'Role' | 'ClusterRole' | 'RoleBinding' | 'ClusterRoleBinding';

const serviceAccountPrefix = 'system:serviceaccount:';

const keysByUser = new WeakMap<UserInfo, string[]>();

/** The index keys a user can be found under: user name, each group, and the service account it is. */
export function subjectKeysOf(user: UserInfo): string[] {
  // One request asks for cluster and namespace bindings of the same (never mutated) user object: compute its keys once.
  const cached = keysByUser.get(user);
  if (cached) return cached;
  const keys = computeSubjectKeys(user);
  keysByUser.set(user, keys);
  return keys;
}

function computeSubjectKeys(user: UserInfo): string[] {
  const keys = [`User\u0000${user.name}`];
  for (const g of user.groups) keys.push(`Group\u0000${g}`);
  if (user.name.startsWith(serviceAccountPrefix)) {
    const rest = user.name.slice(serviceAccountPrefix.length);
    const colon = rest.indexOf(':');
    if (colon > 0 && rest.indexOf(':', colon + 1) < 0) keys.push(`ServiceAccount\u0000${rest.slice(0, colon)}\u0000${rest.slice(colon + 1)}`);
  }
  return keys;
}

/** The index key of a subject; undefined for a subject that can never match (e.g. a service account without a namespace in a ClusterRoleBinding). */
function subjectKey(s: Subject, bindingNamespace: string): string | undefined {
  switch (s.kind) {
    case 'User':
    case 'Group':
      return `${s.kind}\u0000${s.name}`;
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns ? `ServiceAccount\u0000${ns}\u0000${s.name}` : undefined;
    }
    default:
      return undefined;
  }
}

/** Kubernetes' appliesToUser (pkg/registry/rbac/validation/rule.go). */
export function subjectAppliesTo(user: UserInfo, s: Subject, namespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user.name === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || namespace;
      return ns !== '' && user.name === `${serviceAccountPrefix}${ns}:${s.name}`;
    }
    default:
      return false;
  }
}

class BindingSet {
  readonly byName = new Map<string, BindingLike>();
  readonly bySubject = new Map<string, Set<string>>();

  put(b: BindingLike): void {
    this.delete(b.name);
    this.byName.set(b.name, b);
    for (const s of b.subjects) {
      const key = subjectKey(s, b.namespace);
      if (key === undefined) continue;
      let set = this.bySubject.get(key);
      if (!set) this.bySubject.set(key, (set = new Set()));
      set.add(b.name);
    }
  }

  delete(name: string): void {
    const old = this.byName.get(name);
    if (!old) return;
    this.byName.delete(name);
    for (const s of old.subjects) {
      const key = subjectKey(s, old.namespace);
      if (key === undefined) continue;
      const set = this.bySubject.get(key);
      set?.delete(name);
      if (set && set.size === 0) this.bySubject.delete(key);
    }
  }

  /** Bindings naming any of the keys, sorted by name (a stable order for "the first binding that allows"). */
  for(keys: string[]): BindingLike[] {
    let names: string[] | undefined;
    for (const k of keys) {
      const set = this.bySubject.get(k);
      if (!set) continue;
      if (!names) names = [...set];
      else for (const n of set) if (!names.includes(n)) names.push(n);
    }
    if (!names) return [];
    if (names.length > 1) names.sort();
    const out: BindingLike[] = [];
    for (const n of names) {
      const b = this.byName.get(n);
      if (b) out.push(b);
    }
    return out;
  }

  all(): BindingLike[] {
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

export class RbacIndex {
  readonly #roles = new Map<string, RoleLike>();
  readonly #clusterRoles = new Map<string, RoleLike>();
  readonly #clusterRoleBindings = new BindingSet();
  readonly #roleBindings = new Map<string, BindingSet>();
  readonly #listeners = new Set<(kind: RbacKind) => void>();

  upsert(kind: RbacKind, obj: Readonly<KubeObject>): void {
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name ?? '';
    switch (kind) {
      case 'Role': this.#roles.set(`${ns}/${name}`, toRole(obj)); break;
      case 'ClusterRole': this.#clusterRoles.set(name, toRole(obj)); break;
      case 'ClusterRoleBinding': this.#clusterRoleBindings.put(toBinding(obj)); break;
      case 'RoleBinding': {
        let set = this.#roleBindings.get(ns);
        if (!set) this.#roleBindings.set(ns, (set = new BindingSet()));
        set.put(toBinding(obj));
        break;
      }
    }
    this.#changed(kind);
  }

  remove(kind: RbacKind, obj: Readonly<KubeObject>): void {
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name ?? '';
    switch (kind) {
      case 'Role': this.#roles.delete(`${ns}/${name}`); break;
      case 'ClusterRole': this.#clusterRoles.delete(name); break;
      case 'ClusterRoleBinding': this.#clusterRoleBindings.delete(name); break;
      case 'RoleBinding': {
        const set = this.#roleBindings.get(ns);
        set?.delete(name);
        if (set && set.byName.size === 0) this.#roleBindings.delete(ns);
        break;
      }
    }
    this.#changed(kind);
  }

  /** Makes the objects of one kind exactly `objects` (a relist after a lost watch). */
  replace(kind: RbacKind, objects: readonly Readonly<KubeObject>[]): void {
    const keep = new Set(objects.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`));
    for (const [ns, name] of this.#keys(kind)) {
      if (!keep.has(`${ns}/${name}`)) this.remove(kind, { metadata: { name, ...(ns ? { namespace: ns } : {}) } });
    }
    for (const o of objects) this.upsert(kind, o);
  }

  #keys(kind: RbacKind): [string, string][] {
    switch (kind) {
      case 'Role': return [...this.#roles.values()].map((r) => [r.namespace, r.name]);
      case 'ClusterRole': return [...this.#clusterRoles.keys()].map((n) => ['', n]);
      case 'ClusterRoleBinding': return [...this.#clusterRoleBindings.byName.keys()].map((n) => ['', n]);
      case 'RoleBinding': return [...this.#roleBindings.entries()].flatMap(([ns, set]) => [...set.byName.keys()].map((n): [string, string] => [ns, n]));
    }
  }

  /** Called after every change (the aggregation controller listens for ClusterRole changes). */
  onChange(listener: (kind: RbacKind) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(kind: RbacKind): void {
    for (const l of this.#listeners) l(kind);
  }

  getRole(namespace: string, name: string): RoleLike | undefined {
    return this.#roles.get(`${namespace}/${name}`);
  }

  getClusterRole(name: string): RoleLike | undefined {
    return this.#clusterRoles.get(name);
  }

  clusterRoles(): RoleLike[] {
    return [...this.#clusterRoles.values()];
  }

  clusterRoleBindingsFor(user: UserInfo): BindingLike[] {
    return this.#clusterRoleBindings.for(subjectKeysOf(user));
  }

  roleBindingsFor(user: UserInfo, namespace: string): BindingLike[] {
    return this.#roleBindings.get(namespace)?.for(subjectKeysOf(user)) ?? [];
  }

  allClusterRoleBindings(): BindingLike[] {
    return this.#clusterRoleBindings.all();
  }

  allRoleBindings(namespace: string): BindingLike[] {
    return this.#roleBindings.get(namespace)?.all() ?? [];
  }
}
