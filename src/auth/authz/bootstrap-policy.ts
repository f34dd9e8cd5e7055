// The default policy every cluster starts with (Kubernetes' bootstrap ClusterRoles and ClusterRoleBindings,
// generated into bootstrap-policy.json by scripts/gen-bootstrap-policy.mjs), created at start-up and
// reconciled on every start: missing pieces are added, nothing is taken away.
import { isRecord, type KubeObject } from '../../api/object.js';
import type { RestClient } from '../../client/rest.js';
import { isConflict, isNotFound, isAlreadyExists } from '../../client/api-error.js';
import policy from './bootstrap-policy.json' with { type: 'json' };
import { reconcileBinding, reconcileRole } from './reconcile.js';

const base = '/apis/rbac.authorization.k8s.io/v1';

function objects(key: 'clusterRoles' | 'clusterRoleBindings'): KubeObject[] {
  const data: unknown = policy;
  const list = isRecord(data) ? data[key] : undefined;
  if (!Array.isArray(list)) throw new Error(`bootstrap-policy.json: ${key} is not a list`);
  return list.map((item: unknown) => {
    if (!isRecord(item) || !isRecord(item['metadata'])) throw new Error(`bootstrap-policy.json: ${key} holds a non-object`);
    return structuredClone(item) as KubeObject;
  });
}

/**
 * The role metrics-server installs where a-kube serves metrics.k8s.io itself: reading node and pod metrics,
 * aggregated into view, edit and admin (so whoever may read pods in a namespace may `kubectl top` them).
 */
export function metricsReaderRole(): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: {
      name: 'system:aggregated-metrics-reader',
      labels: {
        'k8s-app': 'metrics-server',
        'rbac.authorization.k8s.io/aggregate-to-admin': 'true',
        'rbac.authorization.k8s.io/aggregate-to-edit': 'true',
        'rbac.authorization.k8s.io/aggregate-to-view': 'true',
      },
      annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
    },
    rules: [{ apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] }],
  };
}

export function bootstrapClusterRoles(): KubeObject[] {
  return [...objects('clusterRoles'), metricsReaderRole()];
}

export function bootstrapClusterRoleBindings(): KubeObject[] {
  return objects('clusterRoleBindings');
}

export interface BootstrapReport {
  created: string[];
  updated: string[];
}

async function withConflictRetry(run: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (e) {
      if ((isConflict(e) || isAlreadyExists(e)) && attempt < 5) continue;
      throw e;
    }
  }
}

async function getOrUndefined(client: RestClient, path: string, signal?: AbortSignal): Promise<KubeObject | undefined> {
  try {
    return await client.get(path, signal ? { signal } : undefined);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Policy objects kept beside the generated ones (the controllers' system:controller:* roles and bindings). */
export interface ExtraPolicy {
  clusterRoles: KubeObject[];
  clusterRoleBindings: KubeObject[];
}

/** Creates or reconciles every bootstrap ClusterRole and ClusterRoleBinding (and `extra`'s) through the API. */
export async function ensureBootstrapPolicy(client: RestClient, signal?: AbortSignal, extra?: ExtraPolicy): Promise<BootstrapReport> {
  const report: BootstrapReport = { created: [], updated: [] };
  const opts = signal ? { signal } : undefined;
  // One list per kind, then every create/update in parallel: start-up waits for this.
  const [roles, bindings] = await Promise.all([client.list(`${base}/clusterroles`, opts), client.list(`${base}/clusterrolebindings`, opts)]);
  const listed = (items: KubeObject[]) => new Map(items.map((o) => [o.metadata.name ?? '', o]));
  const currentRoles = listed(roles.items);
  const currentBindings = listed(bindings.items);
  // The listed copy serves the first attempt; a conflict retry reads the object again.
  const current = (cache: Map<string, KubeObject>, name: string, path: string) => {
    const hit = cache.get(name);
    cache.delete(name);
    return hit ?? getOrUndefined(client, path, signal);
  };

  const roleWork = [...bootstrapClusterRoles(), ...(extra?.clusterRoles ?? [])].map((role) => {
    const name = role.metadata.name ?? '';
    const path = `${base}/clusterroles/${encodeURIComponent(name)}`;
    return withConflictRetry(async () => {
      const existing = await current(currentRoles, name, path);
      if (!existing) {
        await client.create(`${base}/clusterroles`, role, opts);
        report.created.push(`clusterrole/${name}`);
        return;
      }
      const updated = reconcileRole(existing, role);
      if (!updated) return;
      await client.update(path, updated, opts);
      report.updated.push(`clusterrole/${name}`);
    });
  });
  const bindingWork = [...bootstrapClusterRoleBindings(), ...(extra?.clusterRoleBindings ?? [])].map((binding) => {
    const name = binding.metadata.name ?? '';
    const path = `${base}/clusterrolebindings/${encodeURIComponent(name)}`;
    return withConflictRetry(async () => {
      const existing = await current(currentBindings, name, path);
      if (!existing) {
        await client.create(`${base}/clusterrolebindings`, binding, opts);
        report.created.push(`clusterrolebinding/${name}`);
        return;
      }
      const r = reconcileBinding(existing, binding);
      if (r.action === 'none') return;
      if (r.action === 'recreate') {
        await client.delete(path, opts);
        const { resourceVersion: _rv, uid: _uid, ...metadata } = r.object.metadata;
        await client.create(`${base}/clusterrolebindings`, { ...r.object, metadata }, opts);
      } else {
        await client.update(path, r.object, opts);
      }
      report.updated.push(`clusterrolebinding/${name}`);
    });
  });
  await Promise.all([...roleWork, ...bindingWork]);
  report.created.sort();
  report.updated.sort();
  return report;
}

/** Namespaced policy objects (Roles and RoleBindings in kube-system and kube-public). */
export interface NamespacedPolicy {
  roles: KubeObject[];
  roleBindings: KubeObject[];
}

/** Creates or reconciles Roles and RoleBindings as ensureBootstrapPolicy does cluster-wide ones. */
export async function ensureNamespacedPolicy(client: RestClient, policy: NamespacedPolicy, signal?: AbortSignal): Promise<BootstrapReport> {
  const report: BootstrapReport = { created: [], updated: [] };
  const opts = signal ? { signal } : undefined;
  const work = [
    ...policy.roles.map((o) => ({ o, kind: 'roles', reconcile: (existing: KubeObject) => reconcileRole(existing, o) })),
    ...policy.roleBindings.map((o) => ({
      o,
      kind: 'rolebindings',
      reconcile: (existing: KubeObject) => {
        const r = reconcileBinding(existing, o);
        return r.action === 'none' ? undefined : r.object;
      },
    })),
  ].map(({ o, kind, reconcile }) => {
    const ns = o.metadata.namespace ?? '';
    const name = o.metadata.name ?? '';
    const collection = `${base}/namespaces/${encodeURIComponent(ns)}/${kind}`;
    const path = `${collection}/${encodeURIComponent(name)}`;
    return withConflictRetry(async () => {
      const existing = await getOrUndefined(client, path, signal);
      if (!existing) {
        await client.create(collection, o, opts);
        report.created.push(`${kind.slice(0, -1)}/${ns}/${name}`);
        return;
      }
      const updated = reconcile(existing);
      if (!updated) return;
      // A binding whose roleRef changed cannot be updated: it is made again.
      if (kind === 'rolebindings' && JSON.stringify(existing['roleRef']) !== JSON.stringify(updated['roleRef'])) {
        await client.delete(path, opts);
        const { resourceVersion: _rv, uid: _uid, ...metadata } = updated.metadata;
        await client.create(collection, { ...updated, metadata }, opts);
      } else {
        await client.update(path, updated, opts);
      }
      report.updated.push(`${kind.slice(0, -1)}/${ns}/${name}`);
    });
  });
  await Promise.all(work);
  return report;
}
