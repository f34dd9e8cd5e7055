// Priority: a new pod gets spec.priority (and spec.preemptionPolicy) from its priorityClassName, or from the
// global default class, or 0 and PreemptLowerPriority when there is none; updates keep what create set.
// For PriorityClasses it keeps globalDefault unique.
import { isRecord, type KubeObject } from '../api/object.js';
import { admissionForbidden } from './errors.js';
import type { AdmissionReader } from './reader.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

const priorityClasses = { group: 'scheduling.k8s.io', resource: 'priorityclasses' };

interface Resolved {
  name: string;
  value: number;
  preemptionPolicy: string | undefined;
}

/** The global default class; with several, the one of lowest value. */
async function defaultClass(reader: AdmissionReader): Promise<Readonly<KubeObject> | undefined> {
  let best: Readonly<KubeObject> | undefined;
  for (const pc of await reader.list(priorityClasses, '')) {
    if (pc['globalDefault'] !== true) continue;
    if (!best || Number(pc['value'] ?? 0) < Number(best['value'] ?? 0)) best = pc;
  }
  return best;
}

const valueOf = (pc: Readonly<KubeObject>): number => (typeof pc['value'] === 'number' ? pc['value'] : 0);
const policyOf = (pc: Readonly<KubeObject>): string | undefined => (typeof pc['preemptionPolicy'] === 'string' ? pc['preemptionPolicy'] : undefined);

async function admitPod(req: AdmissionRequest, reader: AdmissionReader): Promise<void> {
  const spec = isRecord(req.object['spec']) ? req.object['spec'] : (req.object['spec'] = {});
  if (req.operation === 'UPDATE') {
    const old = isRecord(req.oldObject?.['spec']) ? req.oldObject['spec'] : {};
    if ((spec['priority'] === undefined || spec['priority'] === null) && old['priority'] !== undefined) spec['priority'] = old['priority'];
    if ((spec['preemptionPolicy'] === undefined || spec['preemptionPolicy'] === null) && old['preemptionPolicy'] !== undefined) spec['preemptionPolicy'] = old['preemptionPolicy'];
    return;
  }
  let resolved: Resolved;
  const className = typeof spec['priorityClassName'] === 'string' ? spec['priorityClassName'] : '';
  if (className === '') {
    const dflt = await defaultClass(reader);
    resolved = dflt ? { name: dflt.metadata.name ?? '', value: valueOf(dflt), preemptionPolicy: policyOf(dflt) } : { name: '', value: 0, preemptionPolicy: 'PreemptLowerPriority' };
    if (resolved.name !== '') spec['priorityClassName'] = resolved.name;
  } else {
    const pc = await reader.get(priorityClasses, '', className);
    if (!pc) throw admissionForbidden(req, `no PriorityClass with name ${className} was found`);
    resolved = { name: className, value: valueOf(pc), preemptionPolicy: policyOf(pc) };
  }
  const given = spec['priority'];
  if (given !== undefined && given !== null && given !== resolved.value) {
    throw admissionForbidden(req, `the integer value of priority (${String(given)}) must not be provided in pod spec; priority admission controller computed ${resolved.value} from the given PriorityClass name`);
  }
  spec['priority'] = resolved.value;
  if (resolved.preemptionPolicy !== undefined) {
    const givenPolicy = spec['preemptionPolicy'];
    if (givenPolicy !== undefined && givenPolicy !== null && givenPolicy !== resolved.preemptionPolicy) {
      throw admissionForbidden(
        req,
        `the string value of PreemptionPolicy (${String(givenPolicy)}) must not be provided in pod spec; priority admission controller computed ${resolved.preemptionPolicy} from the given PriorityClass name`,
      );
    }
    spec['preemptionPolicy'] = resolved.preemptionPolicy;
  }
}

async function validateClass(req: AdmissionRequest, reader: AdmissionReader): Promise<void> {
  if (req.object['globalDefault'] !== true) return;
  const dflt = await defaultClass(reader);
  if (!dflt) return;
  if (req.operation === 'CREATE' || dflt.metadata.name !== req.object.metadata.name) {
    throw admissionForbidden(req, `PriorityClass ${dflt.metadata.name ?? ''} is already marked as default. Only one default can exist`);
  }
}

export function priorityAdmission(reader: AdmissionReader): AdmissionPlugin {
  const isPods = (req: AdmissionRequest) => req.resource.group === '' && req.resource.resource === 'pods' && req.subresource === '';
  const isClasses = (req: AdmissionRequest) => req.resource.group === priorityClasses.group && req.resource.resource === priorityClasses.resource;
  return {
    name: 'Priority',
    handles: (req) => (req.operation === 'CREATE' || req.operation === 'UPDATE') && (isPods(req) || isClasses(req)),
    async admit(req) {
      if (isPods(req)) await admitPod(req, reader);
    },
    async validate(req) {
      if (isClasses(req)) await validateClass(req, reader);
    },
  };
}
