// The ServiceAccount admission plugin for pods (plugin/pkg/admission/serviceaccount/admission.go):
// default service account, which must exist; its image pull secrets; and the projected
// kube-api-access-xxxxx volume (token, cluster CA, namespace) mounted into every container.
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRecord, type KubeObject } from '../api/object.js';
import { errors } from '../api/status.js';
import type { ObjectLookup } from '../auth/lookup.js';
import { warnOnlyBoundTokenExpirationSeconds } from '../auth/serviceaccount/claims.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

export const defaultServiceAccountName = 'default';
export const tokenMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';
export const tokenVolumePrefix = 'kube-api-access-';
const mirrorPodAnnotation = 'kubernetes.io/config.mirror';
const nameAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

export interface ServiceAccountAdmissionOptions {
  lookup: ObjectLookup;
  /** Random suffix for the volume name (5 chars of Kubernetes' alphabet by default). */
  randomSuffix?: () => string;
  /** Waits between lookups of the `default` service account, which its controller may still be creating. */
  retryDelay?: () => Promise<void>;
}

function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += nameAlphabet[randomInt(nameAlphabet.length)];
  return s;
}

export function projectedTokenVolume(name: string): Record<string, unknown> {
  return {
    name,
    projected: {
      sources: [
        { serviceAccountToken: { expirationSeconds: warnOnlyBoundTokenExpirationSeconds, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
      defaultMode: 420,
    },
  };
}

function records(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

/** admission.NewForbidden names the object by name, else generateName, else "Unknown". */
function objectName(obj: KubeObject): string {
  return obj.metadata.name || obj.metadata.generateName || 'Unknown';
}

function mountToken(spec: Record<string, unknown>, suffix: () => string): void {
  const volumes = records(spec['volumes']);
  const existing = volumes.find((v) => typeof v['name'] === 'string' && v['name'].startsWith(tokenVolumePrefix));
  const volumeName = typeof existing?.['name'] === 'string' ? existing['name'] : tokenVolumePrefix + suffix();
  let needsVolume = false;
  for (const key of ['initContainers', 'containers'] as const) {
    for (const container of records(spec[key])) {
      const mounts = records(container['volumeMounts']);
      if (mounts.some((m) => m['mountPath'] === tokenMountPath)) continue;
      container['volumeMounts'] = [...mounts, { name: volumeName, readOnly: true, mountPath: tokenMountPath }];
      needsVolume = true;
    }
  }
  if (!existing && needsVolume) spec['volumes'] = [...volumes, projectedTokenVolume(volumeName)];
}

export function serviceAccountAdmission(opts: ServiceAccountAdmissionOptions): AdmissionPlugin {
  const suffix = opts.randomSuffix ?? randomSuffix;
  const retryDelay = opts.retryDelay ?? (() => sleep(100 + randomInt(100)));

  async function findServiceAccount(namespace: string, name: string): Promise<Readonly<KubeObject> | undefined> {
    // The default service account may be on its way (its controller creates it with the namespace).
    const attempts = name === defaultServiceAccountName ? 10 : 1;
    for (let i = 0; i < attempts; i++) {
      const sa = await opts.lookup.get('ServiceAccount', namespace, name);
      if (sa) return sa;
      if (i + 1 < attempts) await retryDelay();
    }
    return undefined;
  }

  return {
    name: 'ServiceAccount',
    handles: (req: AdmissionRequest) => req.operation === 'CREATE' && req.resource.group === '' && req.resource.resource === 'pods' && req.subresource === '',
    async admit(req) {
      const pod = req.object;
      if (pod.metadata.annotations?.[mirrorPodAnnotation] !== undefined) return;
      const spec = isRecord(pod['spec']) ? pod['spec'] : (pod['spec'] = {});
      if (typeof spec['serviceAccountName'] !== 'string' || spec['serviceAccountName'] === '') spec['serviceAccountName'] = defaultServiceAccountName;
      const saName = String(spec['serviceAccountName']);
      const sa = await findServiceAccount(req.namespace, saName);
      if (!sa) {
        throw errors.forbidden({ group: '', resource: 'pods' }, objectName(pod), `error looking up service account ${req.namespace}/${saName}: serviceaccount ${JSON.stringify(saName)} not found`);
      }
      const pullSecrets = records(sa['imagePullSecrets']);
      if (records(spec['imagePullSecrets']).length === 0 && pullSecrets.length > 0) spec['imagePullSecrets'] = pullSecrets.map((s) => ({ name: s['name'] }));
      const podChoice = spec['automountServiceAccountToken'];
      const saChoice = sa['automountServiceAccountToken'];
      const automount = typeof podChoice === 'boolean' ? podChoice : typeof saChoice === 'boolean' ? saChoice : true;
      if (automount) mountToken(spec, suffix);
    },
  };
}
