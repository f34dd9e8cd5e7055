// What a pod refers to by name in its own namespace (upstream's VisitPodSecretNames/VisitPodConfigmapNames and the
// pod's claims and service account): the edges the Node authorizer's graph draws from a pod, and what NodeRestriction
// refuses in a mirror pod.
import { isRecord, type KubeObject } from '../../api/object.js';

function records(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function rec(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

/** Names of the objects of one kind a pod refers to. */
export function podReferences(pod: Readonly<KubeObject>): { secrets: Set<string>; configmaps: Set<string>; persistentvolumeclaims: Set<string>; serviceaccounts: Set<string> } {
  const spec = rec(pod['spec']);
  const secrets = new Set<string>();
  const configmaps = new Set<string>();
  const claims = new Set<string>();
  const add = (set: Set<string>, v: unknown) => void (typeof v === 'string' && v !== '' && set.add(v));
  for (const s of records(spec['imagePullSecrets'])) add(secrets, s['name']);
  for (const v of records(spec['volumes'])) {
    add(secrets, rec(v['secret'])['secretName']);
    // In-tree and CSI inline volumes that hand the kubelet a secret.
    add(secrets, rec(v['azureFile'])['secretName']);
    for (const source of ['cephfs', 'cinder', 'flexVolume', 'iscsi', 'rbd', 'scaleIO', 'storageos']) add(secrets, rec(rec(v[source])['secretRef'])['name']);
    add(secrets, rec(rec(v['csi'])['nodePublishSecretRef'])['name']);
    add(configmaps, rec(v['configMap'])['name']);
    add(claims, rec(v['persistentVolumeClaim'])['claimName']);
    for (const src of records(rec(v['projected'])['sources'])) {
      add(secrets, rec(src['secret'])['name']);
      add(configmaps, rec(src['configMap'])['name']);
    }
  }
  for (const key of ['initContainers', 'containers', 'ephemeralContainers']) {
    for (const c of records(spec[key])) {
      for (const e of records(c['env'])) {
        const from = rec(e['valueFrom']);
        add(secrets, rec(from['secretKeyRef'])['name']);
        add(configmaps, rec(from['configMapKeyRef'])['name']);
      }
      for (const e of records(c['envFrom'])) {
        add(secrets, rec(e['secretRef'])['name']);
        add(configmaps, rec(e['configMapRef'])['name']);
      }
    }
  }
  const serviceaccounts = new Set<string>();
  add(serviceaccounts, spec['serviceAccountName']);
  return { secrets, configmaps, persistentvolumeclaims: claims, serviceaccounts };
}

