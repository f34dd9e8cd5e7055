// apiregistration.k8s.io/v1 APIService: which server answers one group/version. `spec.service` unset means the
// API server itself ("Local"); otherwise requests for the group/version are proxied to that Service over HTTPS.
import type { KubeObject } from '../object.js';
import { isRecord } from '../object.js';

export interface ServiceReference {
  namespace?: string;
  name?: string;
  port?: number;
}

export interface APIServiceCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface APIServiceSpec {
  service?: ServiceReference | null;
  group?: string;
  version?: string;
  insecureSkipTLSVerify?: boolean;
  /** Base64 of PEM certificates, as the JSON form of []byte. */
  caBundle?: string;
  groupPriorityMinimum?: number;
  versionPriority?: number;
}

export interface APIService extends KubeObject {
  spec?: APIServiceSpec;
  status?: { conditions?: APIServiceCondition[] };
}

export const apiServiceResource = { group: 'apiregistration.k8s.io', resource: 'apiservices' } as const;

/** The label kube-apiserver puts on the APIServices it manages: "onstart" (made once at start) or "true" (kept in step). */
export const automanagedLabel = 'kube-aggregator.kubernetes.io/automanaged';

export const availableCondition = 'Available';

/** "v1" for the core group, else "<version>.<group>": the only name an APIService may have. */
export function apiServiceName(group: string, version: string): string {
  return `${version}.${group}`;
}

export function asAPIService(obj: Readonly<KubeObject>): APIService {
  return obj as APIService;
}

/** The Service an APIService points at, or undefined for a local one. */
export function serviceOf(s: Readonly<APIService>): { namespace: string; name: string; port: number } | undefined {
  const ref = s.spec?.service;
  if (!isRecord(ref)) return undefined;
  return {
    namespace: typeof ref.namespace === 'string' ? ref.namespace : '',
    name: typeof ref.name === 'string' ? ref.name : '',
    port: typeof ref.port === 'number' ? ref.port : 443,
  };
}

export function conditionOf(s: Readonly<APIService>, type: string): APIServiceCondition | undefined {
  const list = s.status?.conditions;
  if (!Array.isArray(list)) return undefined;
  return list.find((c) => isRecord(c) && c.type === type);
}

export function isAvailable(s: Readonly<APIService>): boolean {
  return conditionOf(s, availableCondition)?.status === 'True';
}

/**
 * The order kube-apiserver gives the built-in group/versions (group priority, version priority within the group),
 * as its local APIServices carry them. A group/version not listed here gets no local APIService, as upstream.
 */
export const builtinPriorities: Readonly<Record<string, { group: number; version: number }>> = {
  'v1': { group: 18000, version: 1 },
  'apiregistration.k8s.io/v1': { group: 18000, version: 15 },
  'apps/v1': { group: 17800, version: 15 },
  'events.k8s.io/v1': { group: 17750, version: 15 },
  'authentication.k8s.io/v1': { group: 17700, version: 15 },
  'authentication.k8s.io/v1beta1': { group: 17700, version: 9 },
  'authorization.k8s.io/v1': { group: 17600, version: 15 },
  'autoscaling/v2': { group: 17500, version: 30 },
  'autoscaling/v1': { group: 17500, version: 15 },
  'batch/v1': { group: 17400, version: 15 },
  'certificates.k8s.io/v1': { group: 17300, version: 15 },
  'networking.k8s.io/v1': { group: 17200, version: 15 },
  'policy/v1': { group: 17100, version: 15 },
  'rbac.authorization.k8s.io/v1': { group: 17000, version: 15 },
  'storage.k8s.io/v1': { group: 16800, version: 15 },
  'apiextensions.k8s.io/v1': { group: 16700, version: 15 },
  'admissionregistration.k8s.io/v1': { group: 16700, version: 15 },
  'scheduling.k8s.io/v1': { group: 16600, version: 15 },
  'coordination.k8s.io/v1': { group: 16500, version: 15 },
  'node.k8s.io/v1': { group: 16300, version: 15 },
  'discovery.k8s.io/v1': { group: 16200, version: 15 },
  'flowcontrol.apiserver.k8s.io/v1': { group: 16100, version: 21 },
  // metrics-server registers itself with these; a-kube serves the group in-process (see docs/design.md)
  'metrics.k8s.io/v1beta1': { group: 100, version: 100 },
};

/** What a CustomResourceDefinition's group/versions get (kube-apiserver's crdregistration controller). */
export const crdPriority = { group: 1000, version: 100 } as const;
