// The storage admission plugins, wired to the API server's own stores (Kubernetes' order among themselves:
// DefaultStorageClass, StorageObjectInUseProtection, PersistentVolumeClaimResize).
import { catalog } from '../api/catalog.js';
import type { KubeObject } from '../api/object.js';
import { StatusError } from '../api/status.js';
import type { ApiServer } from '../apiserver/api-server.js';
import { defaultStorageClassAdmission } from '../admission/default-storage-class.js';
import { persistentVolumeClaimResizeAdmission } from '../admission/pvc-resize.js';
import { storageObjectInUseProtectionAdmission } from '../admission/storage-object-in-use.js';
import type { GroupResource, ObjectReader } from '../admission/storage-reader.js';

export function storeReader(api: ApiServer): ObjectReader {
  const storeOf = async (gr: GroupResource) => {
    const info = catalog.find((r) => r.group === gr.group && r.resource === gr.resource);
    if (!info) throw new Error(`no served resource ${gr.resource}.${gr.group}`);
    return api.stores.storeFor(info);
  };
  return {
    async list(gr, namespace): Promise<readonly Readonly<KubeObject>[]> {
      return (await (await storeOf(gr)).list(namespace)).items;
    },
    async get(gr, namespace, name) {
      try {
        return await (await storeOf(gr)).get(namespace, name);
      } catch (e) {
        if (e instanceof StatusError && e.reason === 'NotFound') return undefined;
        throw e;
      }
    },
  };
}

export function installStorageAdmission(api: ApiServer): void {
  const reader = storeReader(api);
  api.registerAdmission(defaultStorageClassAdmission({ reader }));
  api.registerAdmission(storageObjectInUseProtectionAdmission());
  api.registerAdmission(persistentVolumeClaimResizeAdmission({ reader }));
}
