// A node's client certificate, as the kubelet asks for it: CN=system:node:<name>, O=system:nodes, from the
// kubernetes.io/kube-apiserver-client-kubelet signer with usages digital signature + client auth (an EC key needs
// no key encipherment). At join the request is made with the bootstrap token and named node-csr-<digest of key,
// subject and usages> (so a retry with the same key finds its request again); renewals are made by the node itself.
import { createHash } from 'node:crypto';
import type { RestClient } from '../../client/rest.js';
import type { KeyPairPem } from '../../pki/index.js';
import { requestCertificate } from './certificate-request.js';

export const kubeletClientSigner = 'kubernetes.io/kube-apiserver-client-kubelet';
export const kubeletClientUsages = ['digital signature', 'client auth'];

/** kubelet's name for a bootstrap request: node-csr- and a SHA-512/256 over the key, subject and usages. */
export function digestedRequestName(publicKeyDer: Buffer, commonName: string, organizations: string[], usages: string[]): string {
  const hash = createHash('sha512-256');
  const write = (b: Buffer) => {
    hash.update(b.toString('base64url'));
    hash.update('|');
  };
  write(publicKeyDer);
  write(Buffer.from(commonName));
  for (const o of organizations) write(Buffer.from(o));
  for (const u of usages) write(Buffer.from(u));
  return `node-csr-${hash.digest('base64url')}`;
}

export interface RequestOptions {
  nodeName: string;
  /** node-csr-<digest> (bootstrap) or generateName csr- (renewal). */
  naming: 'digest' | 'generate';
  signal?: AbortSignal;
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** Requests a client certificate and waits for it; returns the certificate with its new key. */
export function requestNodeClientCertificate(client: Pick<RestClient, 'create' | 'get'>, o: RequestOptions): Promise<KeyPairPem & { requestName: string }> {
  const commonName = `system:node:${o.nodeName}`;
  const organizations = ['system:nodes'];
  return requestCertificate(client, {
    commonName,
    organizations,
    signerName: kubeletClientSigner,
    usages: kubeletClientUsages,
    ...(o.naming === 'digest' ? { nameFor: (der: Buffer) => digestedRequestName(der, commonName, organizations, kubeletClientUsages) } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
}
