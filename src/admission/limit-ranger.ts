// LimitRanger: the namespace's LimitRanges give containers their default requests and limits (mutating, on pod
// create; the pod records what was set in the kubernetes.io/limit-ranger annotation) and bound what containers,
// pods and PersistentVolumeClaims may ask for (validating: min, max, maxLimitRequestRatio).
import { getOwn, setOwn } from '../api/own.js';
import { isRecord, type KubeObject } from '../api/object.js';
import { addQuantities, compareQuantities, formatQuantity, toQuantity, type Quantity } from '../api/quantity.js';
import { admissionForbidden } from './errors.js';
import type { AdmissionReader } from './reader.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

export const limitRangerAnnotation = 'kubernetes.io/limit-ranger';
const limitRangesGR = { group: '', resource: 'limitranges' };

type Dict = Record<string, unknown>;

function records(v: unknown): Dict[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function dict(v: unknown): Dict {
  return isRecord(v) ? v : {};
}

/** A resource list (name → quantity), skipping values that are not quantities (validation reports those). */
function quantities(v: unknown): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const [name, raw] of Object.entries(dict(v))) {
    const q = toQuantity(raw);
    if (q) out.set(name, q);
  }
  return out;
}

function sortedEntries(v: unknown): [string, unknown][] {
  return Object.entries(dict(v)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function limitsOfType(ranges: readonly Readonly<KubeObject>[], type: string): Dict[] {
  return ranges.flatMap((lr) => records(dict(lr['spec'])['limits']).filter((l) => l['type'] === type));
}

/** The default requests and limits a container gets: the last Container item that names a resource wins. */
function containerDefaults(ranges: readonly Readonly<KubeObject>[]): { requests: [string, unknown][]; limits: [string, unknown][] } {
  const requests = new Map<string, unknown>();
  const limits = new Map<string, unknown>();
  for (const item of limitsOfType(ranges, 'Container')) {
    for (const [k, v] of sortedEntries(item['defaultRequest'])) requests.set(k, v);
    for (const [k, v] of sortedEntries(item['default'])) limits.set(k, v);
  }
  return { requests: [...requests], limits: [...limits] };
}

function mergeContainer(container: Dict, defaults: ReturnType<typeof containerDefaults>, what: string, notes: string[]): void {
  const resources = isRecord(container['resources']) ? container['resources'] : (container['resources'] = {});
  const fill = (key: 'limits' | 'requests', entries: [string, unknown][]): string[] => {
    if (entries.length === 0) return [];
    const list: Dict = isRecord(resources[key]) ? resources[key] : (resources[key] = {});
    const set: string[] = [];
    for (const [name, value] of entries) {
      if (getOwn(list, name) !== undefined) continue;
      setOwn(list, name, value);
      set.push(name);
    }
    return set.sort();
  };
  const limits = fill('limits', defaults.limits);
  const requests = fill('requests', defaults.requests);
  const name = typeof container['name'] === 'string' ? container['name'] : '';
  if (requests.length > 0) notes.push(`${requests.join(', ')} request for ${what} ${name}`);
  if (limits.length > 0) notes.push(`${limits.join(', ')} limit for ${what} ${name}`);
}

/** Sets the namespace's default requests and limits on a pod's containers; returns whether anything was set. */
export function applyPodDefaults(pod: KubeObject, ranges: readonly Readonly<KubeObject>[]): boolean {
  const defaults = containerDefaults(ranges);
  if (defaults.requests.length === 0 && defaults.limits.length === 0) return false;
  const spec = dict(pod['spec']);
  const notes: string[] = [];
  for (const c of records(spec['containers'])) mergeContainer(c, defaults, 'container', notes);
  for (const c of records(spec['initContainers'])) mergeContainer(c, defaults, 'init container', notes);
  if (notes.length === 0) return false;
  const annotations = isRecord(pod.metadata.annotations) ? pod.metadata.annotations : (pod.metadata.annotations = {});
  annotations[limitRangerAnnotation] = `LimitRanger plugin set: ${notes.join('; ')}`;
  return true;
}

function minConstraint(type: string, resource: string, enforced: Quantity, requests: Map<string, Quantity>, limits: Map<string, Quantity>): string | undefined {
  const req = requests.get(resource);
  const lim = limits.get(resource);
  const min = formatQuantity(enforced);
  if (!req) return `minimum ${resource} usage per ${type} is ${min}.  No request is specified`;
  if (compareQuantities(req, enforced) < 0) return `minimum ${resource} usage per ${type} is ${min}, but request is ${formatQuantity(req)}`;
  if (lim && compareQuantities(lim, enforced) < 0) return `minimum ${resource} usage per ${type} is ${min}, but limit is ${formatQuantity(lim)}`;
  return undefined;
}

function maxConstraint(type: string, resource: string, enforced: Quantity, requests: Map<string, Quantity>, limits: Map<string, Quantity>): string | undefined {
  const req = requests.get(resource);
  const lim = limits.get(resource);
  const max = formatQuantity(enforced);
  if (!lim) return `maximum ${resource} usage per ${type} is ${max}.  No limit is specified`;
  if (compareQuantities(lim, enforced) > 0) return `maximum ${resource} usage per ${type} is ${max}, but limit is ${formatQuantity(lim)}`;
  if (req && compareQuantities(req, enforced) > 0) return `maximum ${resource} usage per ${type} is ${max}, but request is ${formatQuantity(req)}`;
  return undefined;
}

/** PersistentVolumeClaims have no limits: their max bounds the request. */
function maxRequestConstraint(type: string, resource: string, enforced: Quantity, requests: Map<string, Quantity>): string | undefined {
  const req = requests.get(resource);
  const max = formatQuantity(enforced);
  if (!req) return `maximum ${resource} usage per ${type} is ${max}.  No request is specified`;
  if (compareQuantities(req, enforced) > 0) return `maximum ${resource} usage per ${type} is ${max}, but request is ${formatQuantity(req)}`;
  return undefined;
}

function ratioConstraint(type: string, resource: string, enforced: Quantity, requests: Map<string, Quantity>, limits: Map<string, Quantity>): string | undefined {
  const req = requests.get(resource);
  const lim = limits.get(resource);
  const ratio = formatQuantity(enforced);
  if (!req || req.nanos === 0n) return `${resource} max limit to request ratio per ${type} is ${ratio}, but no request is specified or request is 0`;
  if (!lim || lim.nanos === 0n) return `${resource} max limit to request ratio per ${type} is ${ratio}, but no limit is specified or limit is 0`;
  // limit / request > enforced  ⇔  limit > enforced × request (exact in nano-units).
  if (lim.nanos * 1_000_000_000n > enforced.nanos * req.nanos) {
    const observed = Number(lim.nanos) / Number(req.nanos);
    return `${resource} max limit to request ratio per ${type} is ${ratio}, but provided ratio is ${observed.toFixed(6)}`;
  }
  return undefined;
}

function checkItem(item: Dict, type: string, requests: Map<string, Quantity>, limits: Map<string, Quantity>, out: string[]): void {
  for (const [k, v] of quantities(item['min'])) pushIf(out, minConstraint(type, k, v, requests, limits));
  for (const [k, v] of quantities(item['max'])) pushIf(out, maxConstraint(type, k, v, requests, limits));
  for (const [k, v] of quantities(item['maxLimitRequestRatio'])) pushIf(out, ratioConstraint(type, k, v, requests, limits));
}

function pushIf(out: string[], message: string | undefined): void {
  if (message !== undefined && !out.includes(message)) out.push(message);
}

function containerResources(c: Dict): { requests: Map<string, Quantity>; limits: Map<string, Quantity> } {
  const r = dict(c['resources']);
  return { requests: quantities(r['requests']), limits: quantities(r['limits']) };
}

/** A pod's requests/limits as LimitRanger counts them: the containers' sum, or an init container's if larger. */
function podTotals(spec: Dict, key: 'requests' | 'limits'): Map<string, Quantity> {
  const total = new Map<string, Quantity>();
  for (const c of records(spec['containers'])) {
    for (const [k, q] of containerResources(c)[key]) total.set(k, total.has(k) ? addQuantities(total.get(k)!, q) : q);
  }
  for (const c of records(spec['initContainers'])) {
    for (const [k, q] of containerResources(c)[key]) {
      const cur = total.get(k);
      if (!cur || compareQuantities(q, cur) > 0) total.set(k, q);
    }
  }
  return total;
}

/** The reasons a pod breaks the namespace's limits, in the order the limit ranges list them. */
export function podViolations(pod: Readonly<KubeObject>, ranges: readonly Readonly<KubeObject>[]): string[] {
  const spec = dict(pod['spec']);
  const out: string[] = [];
  for (const lr of ranges) {
    for (const item of records(dict(lr['spec'])['limits'])) {
      if (item['type'] === 'Container') {
        for (const c of [...records(spec['containers']), ...records(spec['initContainers'])]) {
          const { requests, limits } = containerResources(c);
          checkItem(item, 'Container', requests, limits, out);
        }
      } else if (item['type'] === 'Pod') {
        checkItem(item, 'Pod', podTotals(spec, 'requests'), podTotals(spec, 'limits'), out);
      }
    }
  }
  return out;
}

export function claimViolations(pvc: Readonly<KubeObject>, ranges: readonly Readonly<KubeObject>[]): string[] {
  const requests = quantities(dict(dict(dict(pvc['spec'])['resources']))['requests']);
  const out: string[] = [];
  for (const item of limitsOfType(ranges, 'PersistentVolumeClaim')) {
    for (const [k, v] of quantities(item['min'])) pushIf(out, minConstraint('PersistentVolumeClaim', k, v, requests, new Map()));
    for (const [k, v] of quantities(item['max'])) pushIf(out, maxRequestConstraint('PersistentVolumeClaim', k, v, requests));
  }
  return out;
}

/** Several reasons read as one, the way Kubernetes joins an aggregate error. */
export function aggregateMessage(messages: string[]): string {
  return messages.length === 1 ? messages[0]! : `[${messages.join(', ')}]`;
}

function isPod(req: AdmissionRequest): boolean {
  return req.resource.group === '' && req.resource.resource === 'pods';
}

function isClaim(req: AdmissionRequest): boolean {
  return req.resource.group === '' && req.resource.resource === 'persistentvolumeclaims';
}

export function limitRangerAdmission(opts: { reader: AdmissionReader }): AdmissionPlugin {
  const rangesOf = async (namespace: string) =>
    [...(await opts.reader.list(limitRangesGR, namespace))].sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  return {
    name: 'LimitRanger',
    // A pod's containers cannot change after creation, so only pod creates are ranged; claims on create and update.
    handles: (req) =>
      req.subresource === '' && ((isPod(req) && req.operation === 'CREATE') || (isClaim(req) && (req.operation === 'CREATE' || req.operation === 'UPDATE'))),
    async admit(req) {
      if (!isPod(req)) return;
      const ranges = await rangesOf(req.namespace);
      if (ranges.length > 0) applyPodDefaults(req.object, ranges);
    },
    async validate(req) {
      // Each LimitRange is checked on its own; the first one the object breaks answers with all its reasons.
      for (const range of await rangesOf(req.namespace)) {
        const problems = isPod(req) ? podViolations(req.object, [range]) : claimViolations(req.object, [range]);
        if (problems.length > 0) throw admissionForbidden(req, aggregateMessage(problems));
      }
    },
  };
}
