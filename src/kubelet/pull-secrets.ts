// A pod's image pull credentials: the Secrets its spec.imagePullSecrets names, read in order (the ServiceAccount's
// pull secrets are already there: ServiceAccount admission copies them into a pod that names none), made into
// the credential keyring (images/keyring.ts), and the credentials to try for one image.
import type { KubeObject } from '../api/object.js';
import { arr, rec, specOf, str } from '../api/pod-util.js';
import type { ControllerClient, EventRecorder } from '../client/control/types.js';
import { buildKeyring, lookupCredentials, type PullSecret, type RegistryCredential } from './images/keyring.js';
import { repositoryToPull } from './images/reference.js';

/**
 * The pod's pull secrets that could be read. A secret that cannot (missing, forbidden, the API unreachable) is
 * left out, and one FailedToRetrieveImagePullSecret warning names them all, as the kubelet reports it.
 */
export async function podPullSecrets(client: ControllerClient, recorder: EventRecorder, pod: KubeObject): Promise<PullSecret[]> {
  const namespace = pod.metadata.namespace ?? '';
  const secrets: PullSecret[] = [];
  const failed: string[] = [];
  for (const ref of arr(specOf(pod)['imagePullSecrets'])) {
    const name = str(ref['name']);
    if (!name) continue;
    try {
      const s = await client.get<KubeObject>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`);
      secrets.push({ name, type: str(s['type']), data: rec(s['data']) });
    } catch {
      failed.push(name);
    }
  }
  if (failed.length > 0) {
    recorder.event(pod, 'Warning', 'FailedToRetrieveImagePullSecret', `Unable to retrieve some image pull secrets (${failed.join(', ')}); attempting to pull the image may not succeed.`);
  }
  return secrets;
}

/**
 * The credentials to try, in order, for pulling `image` with these secrets; empty to pull without. Throws
 * DockerConfigError when a secret's docker config cannot be read.
 */
export function credentialsFor(secrets: readonly PullSecret[], image: string): RegistryCredential[] {
  return lookupCredentials(buildKeyring(secrets), repositoryToPull(image));
}
