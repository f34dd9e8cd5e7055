// DefaultTolerationSeconds: a new pod that does not say how long it tolerates a not-ready or unreachable node gets
// 300 s for each, so the taint manager evicts it five minutes after its node goes away.
import { isRecord } from '../api/object.js';
import type { AdmissionPlugin } from './types.js';

export const notReadyTaintKey = 'node.kubernetes.io/not-ready';
export const unreachableTaintKey = 'node.kubernetes.io/unreachable';
export const defaultTolerationSeconds = 300;

function tolerates(tolerations: Record<string, unknown>[], key: string): boolean {
  return tolerations.some((t) => (t['key'] === key || t['key'] === undefined || t['key'] === '') && (t['effect'] === 'NoExecute' || t['effect'] === undefined || t['effect'] === ''));
}

export function defaultTolerationSecondsAdmission(seconds = { notReady: defaultTolerationSeconds, unreachable: defaultTolerationSeconds }): AdmissionPlugin {
  return {
    name: 'DefaultTolerationSeconds',
    handles: (req) => req.operation === 'CREATE' && req.resource.group === '' && req.resource.resource === 'pods' && req.subresource === '',
    async admit(req) {
      const spec = isRecord(req.object['spec']) ? req.object['spec'] : (req.object['spec'] = {});
      const existing = Array.isArray(spec['tolerations']) ? spec['tolerations'] : [];
      const tolerations = existing.filter(isRecord);
      const added: Record<string, unknown>[] = [];
      if (!tolerates(tolerations, notReadyTaintKey)) added.push({ key: notReadyTaintKey, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds.notReady });
      if (!tolerates(tolerations, unreachableTaintKey)) added.push({ key: unreachableTaintKey, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds.unreachable });
      if (added.length > 0) spec['tolerations'] = [...existing, ...added];
    },
  };
}
