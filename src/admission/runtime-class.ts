// RuntimeClass: a new pod that names a RuntimeClass gets the class's pod overhead and its scheduling constraints
// (node selector merged, tolerations merged keeping the wider ones); a missing class, an overhead that differs from
// the class's, or a node selector that contradicts the class's refuses the pod with kube-apiserver's texts.
import { isRecord, type KubeObject } from '../api/object.js';
import { semanticEqual } from '../api/validation/equality.js';
import { admissionForbidden } from './errors.js';
import type { AdmissionReader } from './reader.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

const runtimeClasses = { group: 'node.k8s.io', resource: 'runtimeclasses' };

type Toleration = Record<string, unknown>;

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Whether toleration `wide` tolerates everything `t` does (so `t` adds nothing next to it). */
function covers(wide: Toleration, t: Toleration): boolean {
  if (semanticEqual(wide, t)) return true;
  if (text(wide['key']) !== '' && text(wide['key']) !== text(t['key'])) return false;
  if (text(wide['effect']) !== '' && text(wide['effect']) !== text(t['effect'])) return false;
  if (text(wide['effect']) === 'NoExecute' && typeof wide['tolerationSeconds'] === 'number') {
    if (typeof t['tolerationSeconds'] !== 'number' || t['tolerationSeconds'] > wide['tolerationSeconds']) return false;
  }
  const op = text(wide['operator']);
  if (op === 'Exists') return true;
  if (op === '' || op === 'Equal') {
    const tOp = text(t['operator']);
    return (tOp === '' || tOp === 'Equal') && text(t['key']) === text(wide['key']) && text(t['value']) === text(wide['value']);
  }
  return false;
}

/** The pod's tolerations and the class's, without any that another one already covers (the first of equals stays). */
export function mergeTolerations(first: readonly Toleration[], second: readonly Toleration[]): Toleration[] {
  const all = [...first, ...second];
  const merged: Toleration[] = [];
  all.forEach((t, i) => {
    if (merged.some((m) => covers(m, t))) return;
    if (all.slice(i + 1).some((later) => !semanticEqual(t, later) && covers(later, t))) return;
    merged.push(t);
  });
  return merged;
}

function records(v: unknown): Toleration[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function applyClass(req: AdmissionRequest, spec: Record<string, unknown>, rc: Readonly<KubeObject>): void {
  const overhead = isRecord(rc['overhead']) && isRecord(rc['overhead']['podFixed']) ? rc['overhead']['podFixed'] : undefined;
  const podOverhead = isRecord(spec['overhead']) ? spec['overhead'] : undefined;
  if (overhead) {
    if (podOverhead && Object.keys(podOverhead).length > 0 && !semanticEqual(overhead, podOverhead)) {
      throw admissionForbidden(req, "pod rejected: Pod's Overhead doesn't match RuntimeClass's defined Overhead");
    }
    spec['overhead'] = structuredClone(overhead);
  } else if (podOverhead && Object.keys(podOverhead).length > 0) {
    throw admissionForbidden(req, 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
  }
  const scheduling = isRecord(rc['scheduling']) ? rc['scheduling'] : undefined;
  if (!scheduling) return;
  const classSelector = isRecord(scheduling['nodeSelector']) ? scheduling['nodeSelector'] : {};
  const selector: Record<string, unknown> = isRecord(spec['nodeSelector']) ? { ...spec['nodeSelector'] } : {};
  for (const [key, want] of Object.entries(classSelector)) {
    const have = Object.prototype.hasOwnProperty.call(selector, key) ? selector[key] : undefined;
    if (have !== undefined && have !== want) {
      throw admissionForbidden(req, `conflict: runtimeClass.scheduling.nodeSelector[${key}] = ${text(want)}; pod.spec.nodeSelector[${key}] = ${text(have)}`);
    }
    Object.defineProperty(selector, key, { value: want, enumerable: true, writable: true, configurable: true });
  }
  if (Object.keys(selector).length > 0) spec['nodeSelector'] = selector;
  const tolerations = mergeTolerations(records(spec['tolerations']), records(scheduling['tolerations']));
  if (tolerations.length > 0) spec['tolerations'] = tolerations;
}

export function runtimeClassAdmission(o: { reader: AdmissionReader }): AdmissionPlugin {
  return {
    name: 'RuntimeClass',
    handles: (req) => req.operation === 'CREATE' && req.subresource === '' && req.resource.group === '' && req.resource.resource === 'pods',
    async admit(req) {
      const spec = isRecord(req.object['spec']) ? req.object['spec'] : undefined;
      if (!spec) return;
      const name = spec['runtimeClassName'];
      if (typeof name !== 'string' || name === '') {
        if (isRecord(spec['overhead']) && Object.keys(spec['overhead']).length > 0) {
          throw admissionForbidden(req, 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead');
        }
        return;
      }
      const rc = await o.reader.get(runtimeClasses, '', name);
      if (!rc || rc.metadata.deletionTimestamp) throw admissionForbidden(req, `pod rejected: RuntimeClass ${JSON.stringify(name)} not found`);
      applyClass(req, spec, rc);
    },
  };
}
