// DefaultStorageClass (plugin/pkg/admission/storage/storageclass/setdefault): a new claim that names no class
// at all (neither spec.storageClassName nor the beta annotation) gets the default class; of several default
// classes the newest. A claim that asks for "" (no class) keeps it.
import { rec } from '../api/pod-util.js';
import { annotations, pickDefaultClass } from '../api/volume-util.js';
import type { AdmissionReader } from './reader.js';
import type { AdmissionPlugin } from './types.js';

const storageClasses = { group: 'storage.k8s.io', resource: 'storageclasses' };

export function defaultStorageClassAdmission(o: { reader: AdmissionReader }): AdmissionPlugin {
  return {
    name: 'DefaultStorageClass',
    handles: (req) => req.operation === 'CREATE' && req.subresource === '' && req.resource.group === '' && req.resource.resource === 'persistentvolumeclaims',
    async admit(req) {
      const pvc = req.object;
      const spec = rec(pvc['spec']);
      if (spec['storageClassName'] !== undefined && spec['storageClassName'] !== null) return;
      if (pvc.metadata.annotations?.[annotations.betaStorageClass] !== undefined) return;
      const dflt = pickDefaultClass(await o.reader.list(storageClasses, ''));
      if (!dflt?.metadata.name) return;
      pvc['spec'] = { ...spec, storageClassName: dflt.metadata.name };
    },
  };
}
