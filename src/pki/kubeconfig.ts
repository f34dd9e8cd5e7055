// Writes a kubeconfig with embedded certificate data, as kubeadm writes admin.conf.
import { writeFileSync, renameSync } from 'node:fs';
import { stringify } from 'yaml';
import type { KeyPairPem } from './certs.js';

export interface KubeconfigSpec {
  server: string;
  caCert: string;
  client: KeyPairPem;
  clusterName?: string;
  userName?: string;
  contextName?: string;
  namespace?: string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

export function kubeconfigYaml(spec: KubeconfigSpec): string {
  const cluster = spec.clusterName ?? 'a-kube';
  const user = spec.userName ?? 'kubernetes-admin';
  const context = spec.contextName ?? 'a-kube';
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { 'certificate-authority-data': b64(spec.caCert), server: spec.server } }],
    contexts: [{ name: context, context: { cluster, user, ...(spec.namespace ? { namespace: spec.namespace } : {}) } }],
    'current-context': context,
    preferences: {},
    users: [{ name: user, user: { 'client-certificate-data': b64(spec.client.cert), 'client-key-data': b64(spec.client.key) } }],
  };
  return stringify(doc, { version: '1.1', lineWidth: 0 });
}

export function writeKubeconfig(path: string, spec: KubeconfigSpec): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, kubeconfigYaml(spec), { mode: 0o600 });
  renameSync(tmp, path);
}
