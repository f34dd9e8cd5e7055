// The pod and container fields the downward API exposes (env valueFrom fieldRef/resourceFieldRef and
// downwardAPI volume items), worded as the kubelet formats them.
import type { KubeObject } from '../api/object.js';
import { rec, specOf, statusOf, str } from '../api/pod-util.js';

export class DownwardError extends Error {
  override name = 'DownwardError';
}

function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m?.[k] ?? '')}`)
    .join('\n');
}

/** fieldRef.fieldPath of a pod, e.g. metadata.name, metadata.labels['app'], status.podIP. */
export function podFieldValue(pod: KubeObject, fieldPath: string, podIP = ''): string {
  const m = /^metadata\.(labels|annotations)\['([^']*)'\]$/.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2] ?? ''] ?? '';
  const spec = specOf(pod);
  const status = statusOf(pod);
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations);
    case 'spec.nodeName':
      return str(spec['nodeName']);
    case 'spec.serviceAccountName':
      return str(spec['serviceAccountName']);
    case 'status.hostIP':
      return str(status['hostIP']);
    case 'status.hostIPs':
      return str(status['hostIP']);
    case 'status.podIP':
      return podIP || str(status['podIP']);
    case 'status.podIPs':
      return podIP || str(status['podIP']);
    default:
      throw new DownwardError(`unsupported fieldPath: ${fieldPath}`);
  }
}

const units: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, m: 1e-3 };

/** A resource quantity as a number of base units (cores, bytes). */
export function quantityValue(q: string): number {
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) throw new DownwardError(`invalid quantity ${JSON.stringify(q)}`);
  const unit = units[m[2] ?? ''];
  if (unit === undefined) throw new DownwardError(`invalid quantity ${JSON.stringify(q)}`);
  return Number(m[1]) * unit;
}

/** resourceFieldRef: limits.cpu, requests.memory, … of a container, divided by the divisor, rounded up. */
export function resourceFieldValue(container: Record<string, unknown>, resource: string, divisor: string | undefined, nodeAllocatable: { cpu: number; memory: number }): string {
  const [kind, name] = resource.split('.') as [string, string | undefined];
  if ((kind !== 'limits' && kind !== 'requests') || !name) throw new DownwardError(`unsupported container resource: ${resource}`);
  const res = rec(rec(container['resources'])[kind]);
  let value: number;
  if (typeof res[name] === 'string' || typeof res[name] === 'number') value = quantityValue(String(res[name]));
  else if (kind === 'limits' && name === 'cpu') value = nodeAllocatable.cpu;
  else if (kind === 'limits' && name === 'memory') value = nodeAllocatable.memory;
  else if (kind === 'requests' && (name === 'cpu' || name === 'memory' || name === 'ephemeral-storage')) value = 0;
  else if (kind === 'limits' && name === 'ephemeral-storage') value = 0;
  else throw new DownwardError(`unsupported container resource: ${resource}`);
  const d = divisor ? quantityValue(divisor) : 1;
  if (d <= 0) throw new DownwardError(`invalid divisor ${divisor}`);
  return String(Math.ceil(value / d - 1e-9));
}
