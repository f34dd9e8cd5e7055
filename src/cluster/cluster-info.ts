// kube-public/cluster-info: what a joining node reads before it trusts anything — a kubeconfig naming the API
// server and holding the cluster CA (no users, no credentials), as kubeadm publishes it. The bootstrap signer adds
// the tokens' signatures beside it; this keeps only the `kubeconfig` key current.
import { stringify } from 'yaml';
import type { KubeObject } from '../api/object.js';
import { clusterInfoName, clusterInfoNamespace, kubeconfigKey } from '../api/bootstrap-token.js';
import { isAlreadyExists, isConflict, isNotFound } from '../client/api-error.js';
import type { RestClient } from '../client/rest.js';

/** The kubeconfig text kubeadm writes into cluster-info (one unnamed cluster, nothing else). */
export function clusterInfoKubeconfig(server: string, caPem: string): string {
  const doc = {
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': Buffer.from(caPem).toString('base64'), server }, name: '' }],
    contexts: null,
    'current-context': '',
    kind: 'Config',
    preferences: {},
    users: null,
  };
  return stringify(doc, { version: '1.1', lineWidth: 0, indentSeq: false });
}

const path = `/api/v1/namespaces/${clusterInfoNamespace}/configmaps/${clusterInfoName}`;

export async function publishClusterInfo(admin: Pick<RestClient, 'get' | 'create' | 'update'>, server: string, caPem: string): Promise<void> {
  const content = clusterInfoKubeconfig(server, caPem);
  for (let attempt = 0; attempt < 5; attempt++) {
    let existing: KubeObject | undefined;
    try {
      existing = await admin.get(path);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    try {
      if (!existing) {
        await admin.create(`/api/v1/namespaces/${clusterInfoNamespace}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: clusterInfoName, namespace: clusterInfoNamespace }, data: { [kubeconfigKey]: content } });
        return;
      }
      const data = (existing['data'] ?? {}) as Record<string, string>;
      if (data[kubeconfigKey] === content) return;
      await admin.update(path, { ...existing, data: { ...data, [kubeconfigKey]: content } });
      return;
    } catch (e) {
      if (!isConflict(e) && !isAlreadyExists(e)) throw e;
    }
  }
}
