// StorageObjectInUseProtection: every new claim and volume carries its protection finalizer, so that deleting
// one in use only marks it; the protection controllers remove the finalizer once nothing uses it.
import { finalizers } from '../api/volume-util.js';
import type { AdmissionPlugin } from './types.js';

const finalizerFor: Record<string, string> = { persistentvolumeclaims: finalizers.pvcProtection, persistentvolumes: finalizers.pvProtection };

export function storageObjectInUseProtectionAdmission(): AdmissionPlugin {
  return {
    name: 'StorageObjectInUseProtection',
    handles: (req) => req.operation === 'CREATE' && req.subresource === '' && req.resource.group === '' && finalizerFor[req.resource.resource] !== undefined,
    async admit(req) {
      const f = finalizerFor[req.resource.resource];
      if (!f) return;
      const list = req.object.metadata.finalizers ?? [];
      if (!list.includes(f)) req.object.metadata.finalizers = [...list, f];
    },
  };
}
