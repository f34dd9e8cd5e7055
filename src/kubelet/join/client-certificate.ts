// A node's client certificate through the CertificateSigningRequest API, as the kubelet gets it: a new EC key,
// a request for CN=system:node:<name>, O=system:nodes to the kubernetes.io/kube-apiserver-client-kubelet signer
// with usages digital signature + client auth, then waiting until the request is approved and the certificate
// issued. At join the request is made with the bootstrap token and named node-csr-<digest of key, subject and
// usages> (so a retry with the same key finds its request again); renewals are made by the node itself.
import { createHash, X509Certificate } from 'node:crypto';
import { isAlreadyExists } from '../../client/api-error.js';
import type { RestClient } from '../../client/rest.js';
import { createCertificateRequest, type KeyPairPem } from '../../pki/index.js';

export const kubeletClientSigner = 'kubernetes.io/kube-apiserver-client-kubelet';
export const kubeletClientUsages = ['digital signature', 'client auth'];
const csrPath = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

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

export class CertificateRequestError extends Error {
  override name = 'CertificateRequestError';
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

export interface RequestOptions {
  nodeName: string;
  /** node-csr-<digest> (bootstrap) or generateName csr- (renewal). */
  naming: 'digest' | 'generate';
  signal?: AbortSignal;
  timeoutMs?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
  });

/** Requests a client certificate and waits for it; returns the certificate with its new key. */
export async function requestNodeClientCertificate(client: Pick<RestClient, 'create' | 'get'>, o: RequestOptions): Promise<KeyPairPem & { requestName: string }> {
  const commonName = `system:node:${o.nodeName}`;
  const organizations = ['system:nodes'];
  const req = await createCertificateRequest(commonName, organizations);
  const spec = { request: Buffer.from(req.csr).toString('base64'), signerName: kubeletClientSigner, usages: kubeletClientUsages };
  const fixedName = o.naming === 'digest' ? digestedRequestName(req.publicKeyDer, commonName, organizations, kubeletClientUsages) : undefined;
  const metadata = fixedName ? { name: fixedName } : { generateName: 'csr-' };
  let name: string;
  try {
    const created = await client.create<{ metadata: { name: string } }>(csrPath, { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata, spec });
    name = created.metadata.name;
  } catch (e) {
    if (!isAlreadyExists(e) || !fixedName) throw e;
    name = fixedName;
  }
  o.log?.(`certificate signing request ${name} sent; waiting for approval and the certificate`);
  const deadline = Date.now() + (o.timeoutMs ?? 5 * 60_000);
  for (;;) {
    if (o.signal?.aborted) throw new CertificateRequestError('stopped while waiting for the certificate');
    const csr = await client.get<{ status?: { certificate?: string; conditions?: Condition[] } }>(`${csrPath}/${name}`, o.signal ? { signal: o.signal } : undefined);
    const conditions = csr.status?.conditions ?? [];
    for (const type of ['Denied', 'Failed']) {
      const c = conditions.find((x) => x.type === type && x.status !== 'False');
      if (c) throw new CertificateRequestError(`certificate signing request ${name} is ${type === 'Denied' ? 'denied' : 'failed'}, reason: ${c.reason ?? ''}, message: ${c.message ?? ''}`);
    }
    const issued = csr.status?.certificate;
    if (issued) {
      const cert = Buffer.from(issued, 'base64').toString('utf8');
      const leaf = new X509Certificate(cert);
      const issuedKey = leaf.publicKey.export({ type: 'spki', format: 'der' });
      if (!Buffer.from(issuedKey).equals(req.publicKeyDer)) throw new CertificateRequestError(`the certificate issued for ${name} is not for the key this node generated`);
      return { cert, key: req.key, requestName: name };
    }
    if (Date.now() > deadline) throw new CertificateRequestError(`timed out waiting for certificate signing request ${name} to be approved and signed: approve it with "kubectl certificate approve ${name}" if nothing approves it automatically`);
    await sleep(500, o.signal);
  }
}
