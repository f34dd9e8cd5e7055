// PersistentVolumeClaimResize: a bound claim may grow only when its class allows volume expansion (and the
// class did not change). Shrinking and unbound claims are the registry's validation to refuse.
import { errors } from '../api/status.js';
import { rec, str } from '../api/pod-util.js';
import { claimClass, claimRequest } from '../api/volume-util.js';
import type { AdmissionReader } from './reader.js';
import type { AdmissionPlugin } from './types.js';

const storageClasses = { group: 'storage.k8s.io', resource: 'storageclasses' };

export function persistentVolumeClaimResizeAdmission(o: { reader: AdmissionReader }): AdmissionPlugin {
  return {
    name: 'PersistentVolumeClaimResize',
    handles: (req) => req.operation === 'UPDATE' && req.subresource === '' && req.resource.group === '' && req.resource.resource === 'persistentvolumeclaims',
    async validate(req) {
      const old = req.oldObject;
      if (!old) return;
      const grows = (claimRequest(req.object) ?? 0) > (claimRequest(old) ?? 0);
      if (!grows || str(rec(old['status'])['phase']) !== 'Bound') return;
      const cls = claimClass(req.object) ?? '';
      const allowed = cls !== '' && cls === (claimClass(old) ?? '') && (await o.reader.get(storageClasses, '', cls))?.['allowVolumeExpansion'] === true;
      if (!allowed) {
        throw errors.forbidden({ group: '', resource: 'persistentvolumeclaims' }, req.name, 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
      }
    },
  };
}
