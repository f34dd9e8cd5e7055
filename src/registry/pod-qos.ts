// status.qosClass (pkg/apis/core/helper/qos GetPodQOS).
import { parseQuantity } from '../api/validation/quantity.js';
import { asObj, get, objects } from './fields.js';

const QOS_RESOURCES = ['cpu', 'memory'];

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

export function podQOSClass(spec: unknown): QOSClass {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const c of [...objects(get(spec, 'containers')), ...objects(get(spec, 'initContainers'))]) {
    for (const [name, q] of Object.entries(asObj(get(c, 'resources', 'requests')) ?? {})) {
      const v = parseQuantity(q) ?? 0;
      if (QOS_RESOURCES.includes(name) && v > 0) requests.set(name, (requests.get(name) ?? 0) + v);
    }
    const limitsFound = new Set<string>();
    for (const [name, q] of Object.entries(asObj(get(c, 'resources', 'limits')) ?? {})) {
      const v = parseQuantity(q) ?? 0;
      if (QOS_RESOURCES.includes(name) && v > 0) {
        limitsFound.add(name);
        limits.set(name, (limits.get(name) ?? 0) + v);
      }
    }
    if (!QOS_RESOURCES.every((r) => limitsFound.has(r))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      if (limits.get(name) !== req) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
