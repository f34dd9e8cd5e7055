// core/v1 PersistentVolume and PersistentVolumeClaim (minimal rules).
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { asObj, child, get, setDefault, strings } from './fields.js';
import { defineStrategy } from './define.js';
import type { Strategy } from './strategy.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

function validateAccessModes(modes: string[]): FieldError[] {
  if (modes.length === 0) return [field.required('spec.accessModes', 'at least 1 access mode is required')];
  return modes.filter((m) => !ACCESS_MODES.includes(m)).map((m) => field.notSupported('spec.accessModes', m, ACCESS_MODES));
}

export function persistentVolumeStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    defaults(pv) {
      const spec = child(pv, 'spec');
      setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain');
      setDefault(spec, 'volumeMode', 'Filesystem');
    },
    initialStatus: () => ({ phase: 'Pending' }),
    validate(pv) {
      const spec = asObj(pv.spec) ?? {};
      const errs = validateAccessModes(strings(spec.accessModes));
      if (get(spec, 'capacity', 'storage') === undefined) errs.push(field.required('spec.capacity[storage]'));
      const known = new Set(['accessModes', 'capacity', 'claimRef', 'mountOptions', 'nodeAffinity', 'persistentVolumeReclaimPolicy', 'storageClassName', 'volumeMode', 'volumeAttributesClassName']);
      if (!Object.keys(spec).some((k) => !known.has(k))) errs.push(field.required('spec', 'must specify a volume type'));
      return errs;
    },
  });
}

export function persistentVolumeClaimStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    defaults: (pvc) => setDefault(child(pvc, 'spec'), 'volumeMode', 'Filesystem'),
    initialStatus: () => ({ phase: 'Pending' }),
    validate(pvc) {
      const spec = asObj(pvc.spec) ?? {};
      const errs = validateAccessModes(strings(spec.accessModes));
      if (get(spec, 'resources', 'requests', 'storage') === undefined) errs.push(field.required('spec.resources[storage]'));
      return errs;
    },
  });
}
