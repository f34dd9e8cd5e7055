// What an extension API server needs to trust a-kube as its front proxy, published as kube-apiserver publishes it:
// the ConfigMap kube-system/extension-apiserver-authentication (the client CA, the front-proxy CA, the allowed
// client names and the identity header names) and the Role that lets such servers read it.
import type { RestClient } from '../client/rest.js';
import type { RequestHeaderOptions } from '../auth/authn/request-header.js';
import { isAlreadyExists } from '../client/api-error.js';

export const extensionAuthConfigMap = 'extension-apiserver-authentication';

/** The request-header settings this API server authenticates front proxies with (it publishes its own). */
export type PublishedRequestHeader = Omit<RequestHeaderOptions, 'now'>;

export function extensionAuthData(clientCaPem: string, rh: PublishedRequestHeader): Record<string, string> {
  return {
    'client-ca-file': clientCaPem,
    'requestheader-client-ca-file': rh.clientCA,
    'requestheader-allowed-names': JSON.stringify(rh.allowedNames),
    'requestheader-username-headers': JSON.stringify(rh.usernameHeaders),
    'requestheader-group-headers': JSON.stringify(rh.groupHeaders),
    'requestheader-extra-headers-prefix': JSON.stringify(rh.extraHeaderPrefixes),
    ...(rh.uidHeaders?.length ? { 'requestheader-uid-headers': JSON.stringify(rh.uidHeaders) } : {}),
  };
}

async function createOrReplace(client: RestClient, collection: string, obj: { metadata: { name: string } & Record<string, unknown> } & Record<string, unknown>, signal?: AbortSignal): Promise<void> {
  try {
    await client.create(collection, obj, signal ? { signal } : undefined);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
    await client.patch(`${collection}/${obj.metadata.name}`, obj, 'merge', signal ? { signal } : undefined);
  }
}

/** Writes (or brings back in step) the ConfigMap and the reader Role in kube-system. */
export async function publishExtensionAuthentication(client: RestClient, clientCaPem: string, requestHeader: PublishedRequestHeader, signal?: AbortSignal): Promise<void> {
  await createOrReplace(client, '/api/v1/namespaces/kube-system/configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: extensionAuthConfigMap, namespace: 'kube-system' },
    data: extensionAuthData(clientCaPem, requestHeader),
  }, signal);
  await createOrReplace(client, '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'extension-apiserver-authentication-reader', namespace: 'kube-system', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } },
    rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [extensionAuthConfigMap], verbs: ['get', 'list', 'watch'] }],
  }, signal);
}
