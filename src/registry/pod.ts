// core/v1 Pod.
import type { ResourceInfo } from '../api/resource-info.js';
import { field } from '../api/status.js';
import { asObj, get, objects, str } from './fields.js';
import { defineStrategy } from './define.js';
import { defaultPod, mirrorServiceAccount } from './pod-defaults.js';
import { podQOSClass } from './pod-qos.js';
import { forbidEphemeralOnCreate, prepareEphemeralContainersUpdate, validateEphemeralContainersUpdate } from './pod-ephemeral.js';
import { podTable } from './pod-table.js';
import { validatePodSpecUpdate } from './pod-update.js';
import { validatePodSpec } from './pod-validation.js';
import type { Strategy } from './strategy.js';

const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

export function podStrategy(resource: ResourceInfo): Strategy {
  const base = definePodStrategy(resource);
  return {
    ...base,
    validate: (pod) => [...base.validate(pod), ...forbidEphemeralOnCreate(pod)],
    prepareForEphemeralContainersUpdate: prepareEphemeralContainersUpdate,
    // Metadata and the rest of the spec are the stored pod's (see prepareEphemeralContainersUpdate).
    validateEphemeralContainersUpdate: (pod, old) => [...validateEphemeralContainersUpdate(pod, old), ...validatePodSpec(asObj(pod.spec), 'spec')],
  };
}

function definePodStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    tracksGeneration: true,
    returnDeletedObject: true,
    defaults: defaultPod,
    initialStatus: (pod) => ({ phase: 'Pending', qosClass: podQOSClass(pod.spec) }),
    prepareForCreate: mirrorServiceAccount,
    prepareForUpdate: mirrorServiceAccount,
    validate: (pod) => validatePodSpec(asObj(pod.spec), 'spec'),
    validateUpdate: (pod, old) => validatePodSpecUpdate(asObj(pod.spec), asObj(old.spec)),
    validateStatusUpdate(pod) {
      const phase = get(pod, 'status', 'phase');
      return phase === undefined || PHASES.includes(str(phase)) ? [] : [field.notSupported('status.phase', phase, PHASES)];
    },
    gracePeriodSeconds(pod) {
      const grace = get(pod, 'spec', 'terminationGracePeriodSeconds');
      return typeof grace === 'number' ? grace : 30;
    },
    fieldLabels(pod) {
      const podIPs = objects(get(pod, 'status', 'podIPs'));
      return {
        'spec.nodeName': str(get(pod, 'spec', 'nodeName')),
        'spec.restartPolicy': str(get(pod, 'spec', 'restartPolicy')),
        'spec.schedulerName': str(get(pod, 'spec', 'schedulerName')),
        'spec.serviceAccountName': str(get(pod, 'spec', 'serviceAccountName')),
        'spec.hostNetwork': String(get(pod, 'spec', 'hostNetwork') === true),
        'status.phase': str(get(pod, 'status', 'phase')),
        'status.podIP': str(podIPs[0]?.ip) || str(get(pod, 'status', 'podIP')),
        'status.nominatedNodeName': str(get(pod, 'status', 'nominatedNodeName')),
      };
    },
    table: podTable,
  });
}
