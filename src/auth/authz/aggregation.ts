// ClusterRole aggregation (pkg/controller/clusterroleaggregation): a ClusterRole with
// aggregationRule.clusterRoleSelectors gets the rules of every ClusterRole its selectors match.
import type { KubeObject } from '../../api/object.js';
import type { ControllerClient } from '../../client/control/types.js';
import { isConflict, isNotFound } from '../../client/api-error.js';
import { deepEqual } from '../../api/deep-equal.js';
import type { RbacIndex } from './rbac-index.js';
import { selectorMatches, type PolicyRule, type RoleLike } from './rbac-types.js';

/** For each selector in order: matching roles sorted by name, the role itself skipped, exact duplicates dropped. */
export function aggregatedRules(role: RoleLike, all: readonly RoleLike[]): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const sorted = [...all].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const selector of role.aggregationSelectors ?? []) {
    for (const other of sorted) {
      if (other.name === role.name || !selectorMatches(selector, other.labels)) continue;
      for (const rule of other.rules) if (!rules.some((r) => deepEqual(r, rule))) rules.push(rule);
    }
  }
  return rules;
}

/**
 * The ClusterRoles as the aggregation controller leaves them once it has settled: every aggregated role holds the
 * rules its selectors pick, also from roles that are aggregated themselves (admin ← edit ← view). The controller
 * gets there by passes triggered by its own writes; here the passes repeat until nothing changes, at most once
 * per aggregated role plus one (a longer chain than that would need a cycle, which settles no further).
 */
export function settleAggregation(roles: readonly RoleLike[]): RoleLike[] {
  const current = roles.map((r) => ({ ...r }));
  const aggregated = current.filter((r) => r.aggregationSelectors);
  for (let pass = 0; pass <= aggregated.length; pass++) {
    let changed = false;
    for (const role of aggregated) {
      const want = aggregatedRules(role, current);
      if (deepEqual(role.rules, want)) continue;
      role.rules = want;
      changed = true;
    }
    if (!changed) break;
  }
  return current;
}

/** Writes the aggregated rules of one ClusterRole when they differ from what it holds. */
export async function syncAggregatedRole(name: string, index: RbacIndex, client: Pick<ControllerClient, 'get' | 'update'>, signal?: AbortSignal): Promise<boolean> {
  const role = index.getClusterRole(name);
  if (!role?.aggregationSelectors) return false;
  const want = aggregatedRules(role, index.clusterRoles());
  if (deepEqual(role.rules, want)) return false;
  const path = `/apis/rbac.authorization.k8s.io/v1/clusterroles/${encodeURIComponent(name)}`;
  for (let attempt = 0; ; attempt++) {
    try {
      const current = await client.get<KubeObject>(path, signal ? { signal } : undefined);
      await client.update(path, { ...current, rules: want }, signal ? { signal } : undefined);
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      if (isConflict(e) && attempt < 5) continue;
      throw e;
    }
  }
}

/** A failed pass is tried again after this long, doubling up to the maximum, until a pass succeeds. */
const retryMs = { first: 500, max: 30_000 };

/**
 * Keeps every aggregated ClusterRole in sync while `signal` is open: any ClusterRole change schedules one
 * pass over the aggregated roles (changes during a pass collapse into one more pass); a pass with a failed write
 * (a conflict storm, the controller's own credentials not yet accepted) is retried with back-off.
 * `client` is the controller's own identity (system:controller:clusterrole-aggregation-controller may only read,
 * update and escalate ClusterRoles), never the server's.
 */
export function startAggregationController(opts: { index: RbacIndex; client: Pick<ControllerClient, 'get' | 'update'>; signal: AbortSignal; onError?: (e: unknown) => void }): { idle(): Promise<void> } {
  let running: Promise<void> | undefined;
  let again = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let delay = retryMs.first;
  /** True when every aggregated role was written or already right. */
  const pass = async (): Promise<boolean> => {
    let ok = true;
    for (const role of opts.index.clusterRoles()) {
      if (opts.signal.aborted) return true;
      if (!role.aggregationSelectors) continue;
      try {
        await syncAggregatedRole(role.name, opts.index, opts.client, opts.signal);
      } catch (e) {
        if (opts.signal.aborted) return true;
        ok = false;
        opts.onError?.(e);
      }
    }
    return ok;
  };
  const schedule = () => {
    if (opts.signal.aborted) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      let ok = true;
      do {
        again = false;
        ok = await pass();
      } while (again && !opts.signal.aborted);
      running = undefined;
      if (ok) {
        delay = retryMs.first;
      } else if (!opts.signal.aborted && retry === undefined) {
        retry = setTimeout(() => {
          retry = undefined;
          schedule();
        }, delay);
        delay = Math.min(delay * 2, retryMs.max);
      }
    })();
  };
  const off = opts.index.onChange((kind) => {
    if (kind === 'ClusterRole') schedule();
  });
  opts.signal.addEventListener('abort', () => {
    off();
    clearTimeout(retry);
  }, { once: true });
  schedule();
  return {
    async idle() {
      while (running) await running;
    },
  };
}
