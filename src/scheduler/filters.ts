// The scheduler's filters (k8s framework plugins), each answering why a node does not fit, in the
// scheduler's own words. `unresolvable` failures cannot be fixed by preempting pods.
import type { KubeObject } from '../api/object.js';
import { parseQuantity } from '../api/validation/quantity.js';
import { arr, rec, specOf, statusOf, str } from '../api/pod-util.js';
import { selectorMatches } from '../api/selectors/spec-match.js';
import { nodeSelectorTermMatches } from '../api/selectors/node-selector.js';
import type { NodeCache, Requests } from './node-cache.js';

export interface Failure {
  reason: string;
  unresolvable: boolean;
}

export interface FilterInput {
  pod: KubeObject;
  podRequests: Requests;
  node: KubeObject;
  nodes: KubeObject[];
  cache: NodeCache;
}

export type Filter = (i: FilterInput) => Failure[];

interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export function nodeIsReady(node: KubeObject): boolean {
  return arr(statusOf(node)['conditions']).some((c) => c['type'] === 'Ready' && c['status'] === 'True');
}

/** A node that is not Ready carries node.kubernetes.io/not-ready:NoSchedule (the node lifecycle controller's taint). */
export function effectiveTaints(node: KubeObject): Taint[] {
  const taints = arr(specOf(node)['taints']).map((t) => ({ key: str(t['key']), value: str(t['value']), effect: str(t['effect']) }));
  if (!nodeIsReady(node) && !taints.some((t) => t.key === 'node.kubernetes.io/not-ready')) taints.push({ key: 'node.kubernetes.io/not-ready', value: '', effect: 'NoSchedule' });
  return taints;
}

export function tolerates(tolerations: Record<string, unknown>[], t: Taint): boolean {
  return tolerations.some((tol) => {
    const effect = str(tol['effect']);
    if (effect && effect !== t.effect) return false;
    const key = str(tol['key']);
    const op = str(tol['operator'], 'Equal');
    if (op === 'Exists') return key === '' || key === t.key;
    return key === t.key && str(tol['value']) === (t.value ?? '');
  });
}

const unschedulable: Filter = ({ pod, node }) => {
  if (specOf(node)['unschedulable'] !== true) return [];
  const tolerated = tolerates(arr(specOf(pod)['tolerations']), { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' });
  return tolerated ? [] : [{ reason: "node(s) were unschedulable", unresolvable: true }];
};

const taintToleration: Filter = ({ pod, node }) => {
  const tolerations = arr(specOf(pod)['tolerations']);
  const bad = effectiveTaints(node).find((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(tolerations, t));
  return bad ? [{ reason: `node(s) had untolerated taint {${bad.key}: ${bad.value ?? ''}}`, unresolvable: true }] : [];
};

const nodeAffinity: Filter = ({ pod, node }) => {
  const spec = specOf(pod);
  const labels = node.metadata.labels ?? {};
  const selectorOk = Object.entries(rec(spec['nodeSelector'])).every(([k, v]) => labels[k] === v);
  const required = rec(rec(rec(spec['affinity'])['nodeAffinity'])['requiredDuringSchedulingIgnoredDuringExecution']);
  const terms = arr(required['nodeSelectorTerms']);
  const affinityOk = Object.keys(required).length === 0 || terms.some((t) => nodeSelectorTermMatches(t, node));
  return selectorOk && affinityOk ? [] : [{ reason: "node(s) didn't match Pod's node affinity/selector", unresolvable: true }];
};

const fit: Filter = ({ pod, podRequests: req, node, cache }) => {
  const alloc = rec(statusOf(node)['allocatable']);
  const info = cache.info(node.metadata.name ?? '');
  const out: Failure[] = [];
  const maxPods = parseQuantity(alloc['pods']) ?? 110;
  if (info.pods.size + 1 > maxPods) out.push({ reason: 'Too many pods', unresolvable: false });
  const check = (name: string, want: number, used: number) => {
    if (want <= 0) return;
    const capacity = parseQuantity(alloc[name]) ?? 0;
    if (used + want > capacity + 1e-9) out.push({ reason: `Insufficient ${name}`, unresolvable: false });
  };
  check('cpu', req.cpu, info.requested.cpu);
  check('memory', req.memory, info.requested.memory);
  check('ephemeral-storage', req.ephemeralStorage, info.requested.ephemeralStorage);
  void pod;
  return out;
};

interface AffinityTerm {
  labelSelector: unknown;
  topologyKey: string;
  namespaces: string[];
}

function requiredTerms(pod: KubeObject, kind: 'podAffinity' | 'podAntiAffinity'): AffinityTerm[] {
  const terms = arr(rec(rec(specOf(pod)['affinity'])[kind])['requiredDuringSchedulingIgnoredDuringExecution']);
  return terms.map((t) => ({
    labelSelector: t['labelSelector'],
    topologyKey: str(t['topologyKey']),
    namespaces: Array.isArray(t['namespaces']) && t['namespaces'].length ? (t['namespaces'] as string[]) : [pod.metadata.namespace ?? ''],
  }));
}

function termSelects(term: AffinityTerm, other: KubeObject): boolean {
  return term.namespaces.includes(other.metadata.namespace ?? '') && selectorMatches(term.labelSelector, other.metadata.labels);
}

/** Nodes sharing the candidate's value of the topology key. */
function sameDomain(nodes: KubeObject[], node: KubeObject, key: string): KubeObject[] {
  const value = node.metadata.labels?.[key];
  if (value === undefined) return [];
  return nodes.filter((n) => n.metadata.labels?.[key] === value);
}

const byName = new WeakMap<KubeObject[], Map<string, KubeObject>>();
function nodesByName(nodes: KubeObject[]): Map<string, KubeObject> {
  let m = byName.get(nodes);
  if (!m) byName.set(nodes, (m = new Map(nodes.map((n) => [n.metadata.name ?? '', n]))));
  return m;
}

const interPodAffinity: Filter = ({ pod, node, nodes, cache }) => {
  const out: Failure[] = [];
  const podsIn = (domain: KubeObject[]) => domain.flatMap((n) => [...cache.info(n.metadata.name ?? '').pods.values()]);
  for (const term of requiredTerms(pod, 'podAntiAffinity')) {
    if (podsIn(sameDomain(nodes, node, term.topologyKey)).some((other) => termSelects(term, other))) {
      out.push({ reason: "node(s) didn't match pod anti-affinity rules", unresolvable: false });
      break;
    }
  }
  // Existing pods' anti-affinity against this pod.
  outer: for (const { node: otherNode, pod: other } of cache.podsWithAntiAffinity()) {
    const n = nodesByName(nodes).get(otherNode);
    if (!n) continue;
    for (const term of requiredTerms(other, 'podAntiAffinity')) {
      if (!termSelects(term, pod)) continue;
      const value = n.metadata.labels?.[term.topologyKey];
      if (value !== undefined && node.metadata.labels?.[term.topologyKey] === value) {
        out.push({ reason: "node(s) didn't satisfy existing pods anti-affinity rules", unresolvable: false });
        break outer;
      }
    }
  }
  for (const term of requiredTerms(pod, 'podAffinity')) {
    const matchesAnywhere = podsIn(nodes).some((other) => termSelects(term, other));
    const selfMatch = termSelects(term, pod);
    const inDomain = podsIn(sameDomain(nodes, node, term.topologyKey)).some((other) => termSelects(term, other));
    // A first pod that would match its own affinity term may go anywhere (k8s' special case).
    if (!inDomain && (matchesAnywhere || !selfMatch)) {
      out.push({ reason: "node(s) didn't match pod affinity rules", unresolvable: false });
      break;
    }
  }
  return out;
};

export const filters: Filter[] = [unschedulable, nodeAffinity, taintToleration, fit, interPodAffinity];
