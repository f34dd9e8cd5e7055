// What an object counts against a ResourceQuota (the quota evaluators of Kubernetes): usage per quota resource name
// for pods, services, PersistentVolumeClaims and object counts, which quota resource names each kind answers for,
// and whether a quota's scopes select an object. Shared by the quota admission plugin and the quota controller.
import { isRecord, type KubeObject } from './object.js';
import { getOwn } from './own.js';
import { addQuantities, compareQuantities, quantityOf, toQuantity, type Quantity } from './quantity.js';

export type Usage = Map<string, Quantity>;
type Dict = Record<string, unknown>;

const one = (): Quantity => quantityOf(1_000_000_000n);
const zero = (): Quantity => quantityOf(0n);

function dict(v: unknown): Dict {
  return isRecord(v) ? v : {};
}

function records(v: unknown): Dict[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function resourceList(v: unknown): Usage {
  const out: Usage = new Map();
  for (const [k, raw] of Object.entries(dict(v))) {
    const q = toQuantity(raw);
    if (q) out.set(k, q);
  }
  return out;
}

export function addUsage(a: Usage, b: Usage): Usage {
  const out: Usage = new Map(a);
  for (const [k, q] of b) out.set(k, out.has(k) ? addQuantities(out.get(k)!, q) : q);
  return out;
}

/** `count/<resource>` for the core group, `count/<resource>.<group>` otherwise. */
export function objectCountName(group: string, resource: string): string {
  return group ? `count/${resource}.${group}` : `count/${resource}`;
}

/** Core kinds whose object count also has a plain quota name (`secrets` beside `count/secrets`). */
const legacyCountNames: Record<string, string> = { configmaps: 'configmaps', secrets: 'secrets', replicationcontrollers: 'replicationcontrollers', resourcequotas: 'resourcequotas' };

const storageClassSuffix = '.storageclass.storage.k8s.io/';
const computeNames = ['cpu', 'memory', 'ephemeral-storage'];
/** The resources a pod's containers must state when a quota limits them (kube-apiserver's validation set). */
export const podConstraintNames = ['cpu', 'limits.cpu', 'limits.memory', 'memory', 'requests.cpu', 'requests.memory'];

function isExtendedResource(name: string): boolean {
  return !name.startsWith('kubernetes.io/') && !name.startsWith('requests.') && name.includes('/');
}

/** What one container's (or a pod's total) requests and limits count as. */
export function computeUsage(requests: Usage, limits: Usage): Usage {
  const out: Usage = new Map([['pods', one()]]);
  for (const name of computeNames) {
    const req = requests.get(name);
    if (req) {
      out.set(name, req);
      out.set(`requests.${name}`, req);
    }
    const lim = limits.get(name);
    if (lim) out.set(`limits.${name}`, lim);
  }
  for (const [name, req] of requests) {
    if (name.startsWith('hugepages-')) {
      out.set(name, req);
      out.set(`requests.${name}`, req);
    }
    if (isExtendedResource(name)) out.set(`requests.${name}`, req);
  }
  return out;
}

function containerLists(c: Dict): { requests: Usage; limits: Usage } {
  const r = dict(c['resources']);
  return { requests: resourceList(r['requests']), limits: resourceList(r['limits']) };
}

/** A pod's effective requests or limits: containers and sidecars summed, an init container's if larger, plus overhead. */
function podTotal(spec: Dict, key: 'requests' | 'limits'): Usage {
  let total: Usage = new Map();
  let sidecars: Usage = new Map();
  let initMax: Usage = new Map();
  for (const c of records(spec['containers'])) total = addUsage(total, containerLists(c)[key]);
  for (const c of records(spec['initContainers'])) {
    const own = containerLists(c)[key];
    if (c['restartPolicy'] === 'Always') {
      sidecars = addUsage(sidecars, own);
      continue;
    }
    // An init container runs beside the sidecars started before it.
    for (const [k, q] of addUsage(sidecars, own)) {
      const cur = initMax.get(k);
      if (!cur || compareQuantities(q, cur) > 0) initMax.set(k, q);
    }
  }
  total = addUsage(total, sidecars);
  for (const [k, q] of initMax) {
    const cur = total.get(k);
    if (!cur || compareQuantities(q, cur) > 0) total.set(k, q);
  }
  return addUsage(total, resourceList(spec['overhead']));
}

/** Whether a pod still counts for compute quota: not finished, and not stuck past its deletion grace period. */
export function podCountsForQuota(pod: Readonly<KubeObject>, now: Date): boolean {
  const phase = dict(pod['status'])['phase'];
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const { deletionTimestamp, deletionGracePeriodSeconds } = pod.metadata;
  if (deletionTimestamp && typeof deletionGracePeriodSeconds === 'number') {
    const end = Date.parse(deletionTimestamp) + deletionGracePeriodSeconds * 1000;
    if (now.getTime() > end) return false;
  }
  return true;
}

export function podUsage(pod: Readonly<KubeObject>, now: Date): Usage {
  const out: Usage = new Map([['count/pods', one()]]);
  if (!podCountsForQuota(pod, now)) return out;
  const spec = dict(pod['spec']);
  return addUsage(out, computeUsage(podTotal(spec, 'requests'), podTotal(spec, 'limits')));
}

function serviceUsage(svc: Readonly<KubeObject>): Usage {
  const spec = dict(svc['spec']);
  const ports = records(spec['ports']).length;
  const portsQ = quantityOf(BigInt(ports) * 1_000_000_000n);
  const out: Usage = new Map([['count/services', one()], ['services', one()], ['services.loadbalancers', zero()], ['services.nodeports', zero()]]);
  if (spec['type'] === 'NodePort') out.set('services.nodeports', portsQ);
  if (spec['type'] === 'LoadBalancer') {
    if (spec['allocateLoadBalancerNodePorts'] !== false) out.set('services.nodeports', portsQ);
    out.set('services.loadbalancers', one());
  }
  return out;
}

export function claimStorageClass(pvc: Readonly<KubeObject>): string {
  const annotated = pvc.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'];
  if (typeof annotated === 'string') return annotated;
  const name = dict(pvc['spec'])['storageClassName'];
  return typeof name === 'string' ? name : '';
}

function claimUsage(pvc: Readonly<KubeObject>): Usage {
  const out: Usage = new Map([['persistentvolumeclaims', one()], ['count/persistentvolumeclaims', one()]]);
  const cls = claimStorageClass(pvc);
  if (cls) out.set(`${cls}${storageClassSuffix}persistentvolumeclaims`, one());
  const requested = resourceList(dict(dict(pvc['spec'])['resources'])['requests']).get('storage');
  const allocated = resourceList(dict(pvc['status'])['allocatedResources']).get('storage');
  const storage = requested && allocated ? (compareQuantities(allocated, requested) > 0 ? allocated : requested) : (requested ?? allocated);
  if (storage) {
    out.set('requests.storage', storage);
    if (cls) out.set(`${cls}${storageClassSuffix}requests.storage`, storage);
  }
  return out;
}

/** Everything one object counts for. */
export function objectUsage(group: string, resource: string, obj: Readonly<KubeObject>, now: Date): Usage {
  if (group === '' && resource === 'pods') return podUsage(obj, now);
  if (group === '' && resource === 'services') return serviceUsage(obj);
  if (group === '' && resource === 'persistentvolumeclaims') return claimUsage(obj);
  const out: Usage = new Map([[objectCountName(group, resource), one()]]);
  const legacy = group === '' ? getOwn(legacyCountNames, resource) : undefined;
  if (legacy) out.set(legacy, one());
  return out;
}

/** Whether a quota resource name is counted by this kind's evaluator. */
export function evaluatorCovers(group: string, resource: string, name: string): boolean {
  if (name === objectCountName(group, resource)) return true;
  if (group !== '') return false;
  switch (resource) {
    case 'pods':
      return (
        name === 'pods' || computeNames.includes(name) || name.startsWith('requests.') && !name.startsWith('requests.storage') || name.startsWith('limits.') || name.startsWith('hugepages-')
      );
    case 'services':
      return name === 'services' || name === 'services.loadbalancers' || name === 'services.nodeports';
    case 'persistentvolumeclaims':
      return name === 'persistentvolumeclaims' || name === 'requests.storage' || name.includes(storageClassSuffix);
    default:
      return getOwn(legacyCountNames, resource) === name;
  }
}

/** The (group, resource) whose objects a quota resource name counts, or undefined for names no evaluator knows. */
export function resourceOfQuotaName(name: string): { group: string; resource: string } | undefined {
  const count = /^count\/([^./]+)(?:\.(.+))?$/.exec(name);
  if (count) return { group: count[2] ?? '', resource: count[1]! };
  for (const resource of ['pods', 'services', 'persistentvolumeclaims', ...Object.keys(legacyCountNames)]) {
    if (evaluatorCovers('', resource, name)) return { group: '', resource };
  }
  return undefined;
}

// ---- scopes ----

export interface ScopeRequirement {
  scopeName: string;
  operator: string;
  values: string[];
}

/** A quota's scopes: `spec.scopes` (each an Exists requirement) and `spec.scopeSelector.matchExpressions`. */
export function quotaScopes(quota: Readonly<KubeObject>): ScopeRequirement[] {
  const spec = dict(quota['spec']);
  const out: ScopeRequirement[] = [];
  for (const s of Array.isArray(spec['scopes']) ? spec['scopes'] : []) if (typeof s === 'string') out.push({ scopeName: s, operator: 'Exists', values: [] });
  for (const e of records(dict(spec['scopeSelector'])['matchExpressions'])) {
    out.push({
      scopeName: typeof e['scopeName'] === 'string' ? e['scopeName'] : '',
      operator: typeof e['operator'] === 'string' ? e['operator'] : '',
      values: Array.isArray(e['values']) ? e['values'].filter((v): v is string => typeof v === 'string') : [],
    });
  }
  return out;
}

function isBestEffort(spec: Dict): boolean {
  for (const c of [...records(spec['containers']), ...records(spec['initContainers'])]) {
    const { requests, limits } = containerLists(c);
    for (const name of ['cpu', 'memory']) {
      if ((requests.get(name)?.nanos ?? 0n) > 0n || (limits.get(name)?.nanos ?? 0n) > 0n) return false;
    }
  }
  return true;
}

function hasCrossNamespaceAffinity(spec: Dict): boolean {
  const affinity = dict(spec['affinity']);
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = dict(affinity[kind]);
    const terms = [
      ...records(a['requiredDuringSchedulingIgnoredDuringExecution']),
      ...records(a['preferredDuringSchedulingIgnoredDuringExecution']).map((w) => dict(w['podAffinityTerm'])),
    ];
    if (terms.some((t) => (Array.isArray(t['namespaces']) && t['namespaces'].length > 0) || isRecord(t['namespaceSelector']))) return true;
  }
  return false;
}

function podMatchesScope(pod: Readonly<KubeObject>, req: ScopeRequirement): boolean {
  const spec = dict(pod['spec']);
  let holds: boolean;
  switch (req.scopeName) {
    case 'Terminating':
    case 'NotTerminating': {
      const deadline = spec['activeDeadlineSeconds'];
      const terminating = typeof deadline === 'number' && deadline >= 0;
      holds = req.scopeName === 'Terminating' ? terminating : !terminating;
      break;
    }
    case 'BestEffort':
      holds = isBestEffort(spec);
      break;
    case 'NotBestEffort':
      holds = !isBestEffort(spec);
      break;
    case 'CrossNamespacePodAffinity':
      holds = hasCrossNamespaceAffinity(spec);
      break;
    case 'PriorityClass': {
      const cls = typeof spec['priorityClassName'] === 'string' ? spec['priorityClassName'] : '';
      switch (req.operator) {
        case 'In':
          return req.values.includes(cls);
        case 'NotIn':
          return !req.values.includes(cls);
        case 'Exists':
          return cls !== '';
        case 'DoesNotExist':
          return cls === '';
        default:
          return false;
      }
    }
    default:
      return false;
  }
  return req.operator === 'DoesNotExist' ? !holds : holds;
}

/** Whether a quota applies to an object: an unscoped quota to everything, a scoped one to pods its scopes select. */
export function quotaMatches(quota: Readonly<KubeObject>, group: string, resource: string, obj: Readonly<KubeObject>): boolean {
  const scopes = quotaScopes(quota);
  if (scopes.length === 0) return true;
  if (group !== '' || resource !== 'pods') return false;
  return scopes.every((s) => podMatchesScope(obj, s));
}
