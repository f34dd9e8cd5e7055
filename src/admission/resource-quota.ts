// ResourceQuota admission: a create (or an update that grows usage) is charged to every quota of its namespace that
// applies to it, refused with 403 when that would pass a quota's hard limit. The charge is written to the quota's
// status.used before the object is stored, one charge at a time per namespace and each a compare-and-swap on the
// quota, so concurrent creates never overshoot; the quota controller recounts from the stored objects later.
import { isRecord, type KubeObject } from '../api/object.js';
import { getOwn, setOwn } from '../api/own.js';
import { compareQuantities, formatQuantity, quantityOf, subtractQuantities, toQuantity, type Quantity } from '../api/quantity.js';
import { addUsage, computeUsage, evaluatorCovers, objectUsage, podConstraintNames, quotaMatches, type Usage } from '../api/quota-usage.js';
import { StatusError } from '../api/status.js';
import { admissionForbidden } from './errors.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

type Dict = Record<string, unknown>;

export interface ResourceQuotaAdmissionOptions {
  /** The namespace's quotas as stored now (a consistent read). */
  quotas(namespace: string): Promise<readonly Readonly<KubeObject>[]>;
  /** Writes a quota's status; the object's resourceVersion is a precondition (409 Conflict when it moved). */
  updateStatus(quota: KubeObject): Promise<void>;
  now?: () => Date;
  /** Attempts when another writer changed a quota between read and write (default 10). */
  attempts?: number;
}

function dict(v: unknown): Dict {
  return isRecord(v) ? v : {};
}

function resourceList(v: unknown): Usage {
  const out: Usage = new Map();
  for (const [k, raw] of Object.entries(dict(v))) {
    const q = toQuantity(raw);
    if (q) out.set(k, q);
  }
  return out;
}

/** `a=1,b=2`, names sorted (the form of Kubernetes' quota messages). */
function prettyPrint(list: Usage, names: string[]): string {
  return [...names].sort().map((n) => `${n}=${formatQuantity(list.get(n) ?? quantityOf(0n))}`).join(',');
}

/** Which resources the pod's containers leave unstated although a quota limits them: `must specify …`. */
function missingConstraints(pod: Readonly<KubeObject>, restricted: Set<string>): string | undefined {
  const required = podConstraintNames.filter((n) => restricted.has(n));
  if (required.length === 0) return undefined;
  const spec = dict(pod['spec']);
  const missing = new Map<string, Set<string>>();
  for (const c of [...(Array.isArray(spec['containers']) ? spec['containers'] : []), ...(Array.isArray(spec['initContainers']) ? spec['initContainers'] : [])]) {
    if (!isRecord(c)) continue;
    const r = dict(c['resources']);
    const stated = computeUsage(resourceList(r['requests']), resourceList(r['limits']));
    for (const name of required) {
      if (stated.has(name)) continue;
      const names = missing.get(name) ?? new Set<string>();
      names.add(typeof c['name'] === 'string' ? c['name'] : '');
      missing.set(name, names);
    }
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()].sort().map((name) => `${name} for: ${[...missing.get(name)!].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

/** Which operations a kind's quota evaluator looks at (object counts: creates only). */
function charges(req: AdmissionRequest): boolean {
  if (req.subresource !== '' || req.namespace === '') return false;
  if (req.operation === 'CREATE') return true;
  return req.operation === 'UPDATE' && req.resource.group === '' && (req.resource.resource === 'services' || req.resource.resource === 'persistentvolumeclaims');
}

export function resourceQuotaAdmission(opts: ResourceQuotaAdmissionOptions): AdmissionPlugin {
  const now = opts.now ?? (() => new Date());
  const attempts = opts.attempts ?? 10;
  // One check-and-charge at a time per namespace (each write is still a compare-and-swap on the quota).
  const queues = new Map<string, Promise<void>>();
  async function serialised<T>(namespace: string, fn: () => Promise<T>): Promise<T> {
    const previous = queues.get(namespace) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = previous.then(() => mine);
    queues.set(namespace, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (queues.get(namespace) === tail) queues.delete(namespace);
    }
  }

  /** Checks the request against the quotas; returns the quotas whose status must change (empty: nothing to charge). */
  function evaluate(req: AdmissionRequest, quotas: readonly Readonly<KubeObject>[]): KubeObject[] {
    const { group, resource } = req.resource;
    const interesting: Readonly<KubeObject>[] = [];
    for (const quota of quotas) {
      if (!quotaMatches(quota, group, resource, req.object)) continue;
      const hard = resourceList(dict(quota['status'])['hard']);
      const restricted = [...hard.keys()].filter((n) => evaluatorCovers(group, resource, n));
      if (group === '' && resource === 'pods') {
        const missing = missingConstraints(req.object, new Set(restricted));
        if (missing) throw admissionForbidden(req, `failed quota: ${quota.metadata.name ?? ''}: ${missing}`);
      }
      const used = dict(dict(quota['status'])['used']);
      if (restricted.some((n) => getOwn(used, n) === undefined)) {
        throw admissionForbidden(req, `status unknown for quota: ${quota.metadata.name ?? ''}, resources: ${[...restricted].sort().join(',')}`);
      }
      interesting.push(quota);
    }
    if (interesting.length === 0) return [];
    let delta = objectUsage(group, resource, req.object, now());
    const negative = [...delta].filter(([, q]) => q.nanos < 0n).map(([n]) => n);
    if (negative.length > 0) throw admissionForbidden(req, `quota usage is negative for resource(s): ${negative.sort().join(',')}`);
    if (req.operation === 'UPDATE' && req.oldObject?.metadata.resourceVersion) {
      const previous = objectUsage(group, resource, req.oldObject, now());
      const diff: Usage = new Map();
      for (const [n, q] of delta) {
        const before = previous.get(n);
        const d = before ? subtractQuantities(q, before) : q;
        diff.set(n, d.nanos < 0n ? quantityOf(0n, d.format) : d);
      }
      delta = diff;
    }
    for (const [n, q] of delta) if (q.nanos === 0n) delta.delete(n);
    if (delta.size === 0) return [];
    const changed: KubeObject[] = [];
    for (const quota of interesting) {
      const status = dict(quota['status']);
      const hard = resourceList(status['hard']);
      const used = resourceList(status['used']);
      const requested: Usage = new Map([...delta].filter(([n]) => hard.has(n)));
      if (requested.size === 0) continue;
      const newUsed = addUsage(used, requested);
      const exceeded = [...requested.keys()].filter((n) => compareQuantities(newUsed.get(n)!, hard.get(n)!) > 0);
      if (exceeded.length > 0) {
        throw admissionForbidden(
          req,
          `exceeded quota: ${quota.metadata.name ?? ''}, requested: ${prettyPrint(requested, exceeded)}, used: ${prettyPrint(used, exceeded)}, limited: ${prettyPrint(hard, exceeded)}`,
        );
      }
      const next = structuredClone(quota) as KubeObject;
      const nextUsed: Dict = { ...dict(status['used']) };
      for (const [n, q] of newUsed) if (requested.has(n)) setOwn(nextUsed, n, formatQuantity(q));
      next['status'] = { ...status, used: nextUsed };
      changed.push(next);
    }
    return changed;
  }

  return {
    name: 'ResourceQuota',
    handles: charges,
    async validate(req) {
      await serialised(req.namespace, async () => {
        // Quotas already charged by an earlier attempt are not charged again.
        const charged = new Set<string>();
        for (let attempt = 1; ; attempt++) {
          const quotas = (await opts.quotas(req.namespace)).filter((q) => !charged.has(q.metadata.uid ?? ''));
          if (quotas.length === 0) return;
          const changed = evaluate(req, quotas);
          if (req.dryRun || changed.length === 0) return;
          try {
            for (const q of changed) {
              await opts.updateStatus(q);
              charged.add(q.metadata.uid ?? '');
            }
            return;
          } catch (e) {
            // A quota moved under us (the controller recounted): read again and charge again.
            if (e instanceof StatusError && e.reason === 'Conflict' && attempt < attempts) continue;
            throw e;
          }
        }
      });
    },
  };
}
