// Objects every cluster starts with, created through the API like any other client would
// (kube-apiserver's system-namespaces controller does the same for these four namespaces).
import type { RestClient } from '../client/rest.js';
import { isAlreadyExists } from '../client/api-error.js';
import { localPathStorageClass } from '../controllers/volume/local-path.js';
import { systemPriorityClasses } from '../registry/priority-class.js';

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export async function ensureSystemNamespaces(client: RestClient, signal?: AbortSignal): Promise<void> {
  await Promise.all(
    systemNamespaces.map(async (name) => {
      try {
        await client.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, signal ? { signal } : undefined);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }),
  );
}

/** The `local-path` StorageClass (a-kube.io/local-path, the default class), unless it exists already. */
export async function ensureDefaultStorageClass(client: RestClient, signal?: AbortSignal): Promise<void> {
  try {
    await client.create('/apis/storage.k8s.io/v1/storageclasses', localPathStorageClass(), signal ? { signal } : undefined);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
}

/** system-node-critical and system-cluster-critical, as kube-apiserver's scheduling storage creates them. */
export async function ensureSystemPriorityClasses(client: RestClient, signal?: AbortSignal): Promise<void> {
  await Promise.all(
    systemPriorityClasses.map(async (pc) => {
      try {
        await client.create(
          '/apis/scheduling.k8s.io/v1/priorityclasses',
          { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: pc.name }, value: pc.value, description: pc.description },
          signal ? { signal } : undefined,
        );
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }),
  );
}
