// One certificate through the CertificateSigningRequest API, as the kubelet's certificate manager gets it: a new
// EC key, a PKCS#10 request with the subject (and alternative names) asked for, a CertificateSigningRequest to
// the signer with the usages, then waiting until it is approved and issued — or denied, failed, or timed out.
import { X509Certificate } from 'node:crypto';
import { isAlreadyExists } from '../../client/api-error.js';
import type { RestClient } from '../../client/rest.js';
import { createCertificateRequest, type KeyPairPem } from '../../pki/index.js';

const csrPath = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

export class CertificateRequestError extends Error {
  override name = 'CertificateRequestError';
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

export interface CertificateRequestSpec {
  commonName: string;
  organizations: string[];
  alternativeNames?: { dnsNames: string[]; ipAddresses: string[] };
  signerName: string;
  usages: string[];
  /** A fixed name computed from the new key (a retry finds its request again), else generateName csr-. */
  nameFor?: (publicKeyDer: Buffer) => string;
  signal?: AbortSignal;
  timeoutMs?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
  });

/** Requests a certificate and waits for it; returns the certificate with its new key and the request's name. */
export async function requestCertificate(client: Pick<RestClient, 'create' | 'get'>, o: CertificateRequestSpec): Promise<KeyPairPem & { requestName: string }> {
  const req = await createCertificateRequest(o.commonName, o.organizations, o.alternativeNames ?? {});
  const spec = { request: Buffer.from(req.csr).toString('base64'), signerName: o.signerName, usages: o.usages };
  const fixedName = o.nameFor?.(req.publicKeyDer);
  const metadata = fixedName ? { name: fixedName } : { generateName: 'csr-' };
  let name: string;
  try {
    const created = await client.create<{ metadata: { name: string } }>(csrPath, { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata, spec });
    name = created.metadata.name;
  } catch (e) {
    if (!isAlreadyExists(e) || !fixedName) throw e;
    name = fixedName;
  }
  o.log?.(`certificate signing request ${name} (${o.signerName}) sent; waiting for approval and the certificate`);
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
