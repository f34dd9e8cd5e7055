// The API server's own CustomResourceDefinition loop (kube-apiserver runs the same loops in its apiextensions
// server): accepts names (NamesAccepted), establishes (Established), records storedVersions, publishes the served
// versions in the ResourceRegistry with their schemas, and on deletion removes every custom resource before the
// customresourcecleanup finalizer is released (Terminating).
import type { KubeObject } from '../../api/object.js';
import { errors, StatusError, makeStatus } from '../../api/status.js';
import { resourceFingerprint, type ResourceInfo } from '../../api/resource-info.js';
import type { ResourceRegistry } from '../../api/resource-registry.js';
import { setCustomDefinition } from '../../api/openapi/definitions.js';
import { customDefinitionName, isEstablished, publishedListSchema, publishedSchema, resourcesOfCrd, storageVersionOf } from '../../api/apiextensions/crd-resources.js';
import { acceptNames, conditionsFor, type Condition } from '../../api/apiextensions/crd-names.js';
import { crdCleanupFinalizer, type CustomResourceDefinition } from '../../api/apiextensions/types.js';
import { customResourceStrategy } from '../../registry/index.js';
import type { Strategy } from '../../registry/strategy.js';
import type { Store } from '../../registry/store.js';
import type { StoreRegistry } from '../stores.js';
import { serialQueue } from '../serial-queue.js';
import { webhookConverter } from './conversion-webhook.js';
import type { ObjectConverter } from '../../registry/store-types.js';

export interface CrdControllerDeps {
  registry: ResourceRegistry;
  stores: StoreRegistry;
  now: () => Date;
  log?: (line: string) => void;
}

export interface CrdController {
  /** Resolves once every CRD present at start has been handled once. */
  ready: Promise<void>;
  stop(): void;
}

export function startCrdController(deps: CrdControllerDeps): CrdController {
  const log = deps.log ?? ((l: string) => process.stderr.write(`crd-controller: ${l}\n`));
  const stop = new AbortController();
  const enqueue = serialQueue(reconcile, stop.signal, log);
  const current = new Map<string, CustomResourceDefinition>();
  let store: Store | undefined;

  deps.stores.setStrategyProvider((resource) => strategyOf(resource));
  deps.stores.setConverterProvider((resource) => converterOf(resource));

  // one converter per CRD and conversion spec (the stores of a CRD are dropped when its spec changes)
  const converters = new Map<string, { spec: string; converter: ObjectConverter | undefined }>();
  function converterOf(resource: ResourceInfo): { converter: ObjectConverter; storage: ResourceInfo } | undefined {
    const crd = resource.crd !== undefined ? current.get(resource.crd) : undefined;
    if (!crd || resource.storageVersion === undefined) return undefined;
    const storage = deps.registry.owned(resource.crd ?? '').find((r) => r.version === resource.storageVersion);
    if (!storage) return undefined;
    const spec = JSON.stringify(crd.spec.conversion ?? null);
    let entry = converters.get(resource.crd ?? '');
    if (entry?.spec !== spec) {
      entry = { spec, converter: webhookConverter(crd, deps.stores.reader) };
      converters.set(resource.crd ?? '', entry);
    }
    return entry.converter ? { converter: entry.converter, storage } : undefined;
  }

  function strategyOf(resource: ResourceInfo): Strategy | undefined {
    const crd = resource.crd !== undefined ? current.get(resource.crd) : undefined;
    const version = crd?.spec.versions.find((v) => v.name === resource.version);
    if (!crd || !version) return undefined;
    const base = customResourceStrategy({ resource, version });
    if (crd.metadata.deletionTimestamp === undefined) return base;
    return {
      ...base,
      prepareForCreate() {
        throw new StatusError(makeStatus('MethodNotAllowed', 'create not allowed while custom resource definition is terminating'));
      },
    };
  }

  async function reconcile(name: string): Promise<void> {
    if (!store) return;
    const crd = current.get(name);
    if (!crd) {
      unpublish(name);
      return;
    }
    if (crd.metadata.deletionTimestamp !== undefined) {
      publish(crd);
      await terminate(crd);
      return;
    }
    const others = [...current.values()].filter((c) => c.metadata.name !== name);
    const accepted = acceptNames(crd, others, deps.registry);
    const conditions = conditionsFor(crd, accepted, deps.now());
    const storage = storageVersionOf(crd);
    const stored = [...(crd.status?.storedVersions ?? [])];
    if (storage !== undefined && accepted.accepted && !stored.includes(storage)) stored.push(storage);
    const status = {
      ...(crd.status ?? {}),
      conditions,
      acceptedNames: accepted.names ?? crd.status?.acceptedNames ?? { plural: '', kind: '' },
      storedVersions: stored,
    };
    if (JSON.stringify(status) !== JSON.stringify(crd.status)) {
      await writeStatus(name, status);
      return; // the watch brings the written object back
    }
    publish(crd);
  }

  async function writeStatus(name: string, status: NonNullable<CustomResourceDefinition['status']>): Promise<void> {
    if (!store) return;
    try {
      await store.update('', name, (cur) => {
        if (!cur) throw errors.notFound({ group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' }, name);
        return { ...cur, status } as KubeObject;
      }, { subresource: 'status', retryOnConflict: false });
    } catch (e) {
      if (e instanceof StatusError && (e.reason === 'Conflict' || e.reason === 'NotFound')) return; // a newer version is on its way
      throw e;
    }
  }

  /** Serves the CRD's versions (once Established) and its schemas; drops stores whose definition changed. */
  function publish(crd: CustomResourceDefinition): void {
    const name = crd.metadata.name ?? '';
    const before = deps.registry.owned(name);
    const next = isEstablished(crd) ? resourcesOfCrd(crd) : [];
    const names = crd.status?.acceptedNames;
    for (const r of next) {
      const v = crd.spec.versions.find((x) => x.name === r.version);
      if (!v || !names) continue;
      setCustomDefinition(r.definition, publishedSchema(crd, v, r.kind));
      const listDefinition = customDefinitionName(r.group, r.version, r.listKind);
      setCustomDefinition(listDefinition, publishedListSchema(crd, v, r.kind, r.listKind));
    }
    const changed = resourceFingerprint(before) !== resourceFingerprint(next) || crdSpecChanged(crd);
    if (changed) for (const r of before) deps.stores.drop(r);
    for (const r of before) if (!next.some((n) => n.definition === r.definition)) forgetDefinitions(r);
    deps.registry.set(name, next);
  }

  const specSeen = new Map<string, string>();
  function crdSpecChanged(crd: CustomResourceDefinition): boolean {
    const key = crd.metadata.name ?? '';
    const text = JSON.stringify([crd.spec, crd.metadata.deletionTimestamp ?? null]);
    const changed = specSeen.get(key) !== text;
    specSeen.set(key, text);
    return changed;
  }

  function forgetDefinitions(r: ResourceInfo): void {
    setCustomDefinition(r.definition, undefined);
    setCustomDefinition(customDefinitionName(r.group, r.version, r.listKind), undefined);
  }

  function unpublish(name: string): void {
    for (const r of deps.registry.owned(name)) {
      deps.stores.drop(r);
      forgetDefinitions(r);
    }
    specSeen.delete(name);
    converters.delete(name);
    clearTimeout(passes.get(name)?.timer);
    passes.delete(name);
    deps.registry.remove(name);
  }

  // A terminating CRD's pass over its instances, as kube-apiserver's finalizer controller runs it: Terminating
  // InstanceDeletionInProgress, delete them all, then poll every second for a minute until none is left. A pass
  // that times out reports InstanceDeletionCheck and is retried after the work queue's per-item back-off (5 ms
  // doubling to 1000 s), when a new pass starts with InstanceDeletionInProgress again.
  const passes = new Map<string, { startedMs?: number; failures: number; timer?: NodeJS.Timeout }>();

  /** Runs the CRD's finalizer again after `ms`, once: a pass has at most one wake-up pending. */
  function wakeAfter(pass: { timer?: NodeJS.Timeout }, name: string, ms: number): void {
    if (pass.timer) return;
    pass.timer = setTimeout(() => {
      pass.timer = undefined;
      enqueue(name);
    }, ms).unref();
  }

  /** Deletes every custom resource of a terminating CRD, then releases the cleanup finalizer. */
  async function terminate(crd: CustomResourceDefinition): Promise<void> {
    const name = crd.metadata.name ?? '';
    if (!(crd.metadata.finalizers ?? []).includes(crdCleanupFinalizer)) return;
    const setTerminating = async (reason: string, message: string) => {
      const conditions: Condition[] = (crd.status?.conditions ?? []).filter((c) => c.type !== 'Terminating');
      const old = crd.status?.conditions?.find((c) => c.type === 'Terminating');
      if (old?.reason === reason && old.message === message) return;
      conditions.push({ type: 'Terminating', status: 'True', lastTransitionTime: old?.status === 'True' && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(deps.now()), reason, message });
      await writeStatus(name, { ...(crd.status ?? {}), conditions });
    };
    const resources = deps.registry.owned(name);
    const storageResource = resources.find((r) => r.storageVersion === undefined) ?? resources[0];
    if (storageResource) {
      const crs = await deps.stores.storeFor(storageResource);
      let pass = passes.get(name);
      if (pass === undefined) passes.set(name, (pass = { failures: 0 }));
      if (pass.startedMs === undefined) {
        // the pass's minute starts before its condition is written; a pass that fails to issue its deletes is
        // started anew when the queue retries
        pass.startedMs = deps.now().getTime();
        try {
          await setTerminating('InstanceDeletionInProgress', 'CustomResource deletion is in progress');
          for (const item of (await crs.list('', {})).items) {
            try {
              await crs.delete(item.metadata.namespace ?? '', item.metadata.name ?? '', {});
            } catch (e) {
              if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
            }
          }
        } catch (e) {
          pass.startedMs = undefined;
          throw e;
        }
      }
      if ((await crs.list('', {})).items.length > 0) {
        if (deps.now().getTime() - pass.startedMs < instanceDeletionTimeoutMs) return wakeAfter(pass, name, instancePollMs);
        await setTerminating('InstanceDeletionCheck', 'could not confirm zero CustomResources remaining: context deadline exceeded');
        pass.startedMs = undefined;
        pass.failures++;
        clearTimeout(pass.timer);
        pass.timer = undefined;
        return wakeAfter(pass, name, Math.min(5 * 2 ** (pass.failures - 1), 1_000_000));
      }
    }
    clearTimeout(passes.get(name)?.timer);
    passes.delete(name);
    if (!store) return;
    await store.update('', name, (cur) => {
      if (!cur) throw errors.notFound({ group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' }, name);
      const next = structuredClone(cur) as KubeObject;
      next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== crdCleanupFinalizer);
      return next;
    }, { retryOnConflict: true }).catch((e: unknown) => {
      if (!(e instanceof StatusError && e.reason === 'NotFound')) throw e;
    });
  }

  const ready = (async () => {
    const info = deps.registry.find('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    if (!info) throw new Error('the catalog has no customresourcedefinitions');
    store = await deps.stores.storeFor(info);
    const watch = store.watch('', { signal: stop.signal, anyInitialState: false });
    let resolveInitial: () => void = () => undefined;
    const initial = new Promise<void>((r) => (resolveInitial = r));
    void (async () => {
      try {
        for await (const batch of watch) {
          for (const ev of batch) {
            if (ev.type === 'INITIAL_END') {
              // handle every CRD present at start before the server answers
              await Promise.all([...current.keys()].map((n) => reconcile(n).catch((e) => log(`${n}: ${String(e)}`))));
              resolveInitial();
              continue;
            }
            const obj = ev.object as CustomResourceDefinition;
            const n = obj.metadata.name ?? '';
            if (ev.type === 'DELETED') current.delete(n);
            else current.set(n, obj);
            enqueue(n);
          }
        }
      } catch (e) {
        if (!stop.signal.aborted) log(`watch ended: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        resolveInitial();
      }
    })();
    await initial;
  })();

  return {
    ready,
    stop: () => stop.abort(),
  };
}

/** How long one pass waits for a terminating CRD's instances to go, and how often it looks. */
const instanceDeletionTimeoutMs = 60_000;
const instancePollMs = 1000;

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
