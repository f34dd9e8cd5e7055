// The node agent's serving certificate from the cluster, as the kubelet gets it with serverTLSBootstrap: a
// CertificateSigningRequest to kubernetes.io/kubelet-serving for CN=system:node:<name>, O=system:nodes, with the
// Node's host names and IP addresses as subject alternative names (the names the API server dials) and usages
// digital signature + server auth (key encipherment is for RSA keys; this key is EC, as the kubelet leaves it out
// for non-RSA keys). The request is the node's own (generateName csr-); see the approver for when it is granted.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { RestClient } from '../../client/rest.js';
import type { KeyPairPem } from '../../pki/index.js';
import { requestCertificate } from './certificate-request.js';

export const kubeletServingSigner = 'kubernetes.io/kubelet-serving';
export const kubeletServingUsages = ['digital signature', 'server auth'];

export interface ServingNames {
  dnsNames: string[];
  ipAddresses: string[];
}

/** The names for a Node's addresses: Hostname, InternalDNS, ExternalDNS as DNS names; InternalIP, ExternalIP as IPs. */
export function servingNames(addresses: readonly { type: string; address: string }[]): ServingNames {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const a of addresses) {
    if (a.address === '') continue;
    if (a.type === 'Hostname' || a.type === 'InternalDNS' || a.type === 'ExternalDNS') {
      if (!dnsNames.includes(a.address)) dnsNames.push(a.address);
    } else if ((a.type === 'InternalIP' || a.type === 'ExternalIP') && isIP(a.address) !== 0 && !ipAddresses.includes(a.address)) ipAddresses.push(a.address);
  }
  return { dnsNames, ipAddresses };
}

/** Whether a certificate (PEM) names every one of the names (a stored certificate is reused only then). */
export function certificateCovers(certPem: string, names: ServingNames): boolean {
  const san = (new X509Certificate(certPem).subjectAltName ?? '').split(', ');
  return names.dnsNames.every((d) => san.includes(`DNS:${d}`)) && names.ipAddresses.every((ip) => san.includes(`IP Address:${ip}`));
}

export interface ServingRequestOptions {
  nodeName: string;
  names: ServingNames;
  signal?: AbortSignal;
  timeoutMs?: number;
  log?: (line: string) => void;
}

/** Requests a serving certificate for the node's names and waits for it. */
export function requestNodeServingCertificate(client: Pick<RestClient, 'create' | 'get'>, o: ServingRequestOptions): Promise<KeyPairPem & { requestName: string }> {
  return requestCertificate(client, {
    commonName: `system:node:${o.nodeName}`,
    organizations: ['system:nodes'],
    alternativeNames: o.names,
    signerName: kubeletServingSigner,
    usages: kubeletServingUsages,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
}
