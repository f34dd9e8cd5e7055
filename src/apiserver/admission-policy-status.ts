// The API server's ValidatingAdmissionPolicy status loop (kube-apiserver runs the same one): each policy whose
// generation has not been checked gets status.observedGeneration and status.typeChecking — the expressions that
// reference fields the matched kinds' schemas do not have (src/admission/policy/type-checking.ts).
import type { KubeObject } from '../api/object.js';
import { isRecord } from '../api/object.js';
import { StatusError } from '../api/status.js';
import type { ResourceRegistry } from '../api/resource-registry.js';
import { policyTypeChecking } from '../admission/policy/type-checking.js';
import type { Store } from '../registry/store.js';
import type { StoreRegistry } from './stores.js';

export interface PolicyStatusDeps {
  registry: ResourceRegistry;
  stores: StoreRegistry;
  log?: (line: string) => void;
}

export function startPolicyStatusController(deps: PolicyStatusDeps): { stop(): void } {
  const log = deps.log ?? ((l: string) => process.stderr.write(`admission-policy-status: ${l}\n`));
  const stop = new AbortController();
  const pending = new Map<string, Readonly<KubeObject>>();
  let running = false;
  let store: Store | undefined;

  const resolve = (group: string, version: string, resource: string) => {
    const info = deps.registry.find(group, version, resource);
    return info ? { kind: info.kind, definition: info.definition } : undefined;
  };

  async function reconcile(policy: Readonly<KubeObject>): Promise<void> {
    const name = policy.metadata.name ?? '';
    const generation = policy.metadata.generation ?? 1;
    const status = isRecord(policy['status']) ? policy['status'] : {};
    if (status['observedGeneration'] === generation) return;
    const warnings = policyTypeChecking(policy, resolve);
    const next = { ...status, observedGeneration: generation, typeChecking: warnings.length > 0 ? { expressionWarnings: warnings } : {} };
    try {
      await store!.update('', name, (cur) => {
        if (!cur || (cur.metadata.generation ?? 1) !== generation) throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Conflict', code: 409 });
        return { ...cur, status: next } as KubeObject;
      }, { subresource: 'status', retryOnConflict: true });
    } catch (e) {
      if (e instanceof StatusError && (e.reason === 'Conflict' || e.reason === 'NotFound')) return; // a newer generation is on its way
      throw e;
    }
  }

  async function drain(): Promise<void> {
    if (running) return;
    running = true;
    try {
      while (pending.size > 0 && !stop.signal.aborted) {
        const [name, policy] = pending.entries().next().value as [string, Readonly<KubeObject>];
        pending.delete(name);
        try {
          await reconcile(policy);
        } catch (e) {
          log(`${name}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    } finally {
      running = false;
    }
  }

  void (async () => {
    const info = deps.registry.find('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicies');
    if (!info) return;
    store = await deps.stores.storeFor(info);
    try {
      for await (const batch of store.watch('', { signal: stop.signal, anyInitialState: true })) {
        for (const ev of batch) {
          if (ev.type === 'INITIAL_END') continue;
          const name = ev.object.metadata.name ?? '';
          if (ev.type === 'DELETED') pending.delete(name);
          else pending.set(name, ev.object);
        }
        void drain();
      }
    } catch (e) {
      if (!stop.signal.aborted) log(`watch ended: ${e instanceof Error ? e.message : String(e)}`);
    }
  })();

  return { stop: () => stop.abort() };
}
