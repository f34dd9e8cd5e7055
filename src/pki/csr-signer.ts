// Signs certificate requests with the cluster CA (the csrsigning controller's CsrSigner).
import { X509Certificate } from 'node:crypto';
import { signRequest, type KeyPairPem } from './certs.js';
import { parseCertificateRequest, type CertificateRequestInfo } from './csr.js';

/** The CA's signer for certificate requests (what the controller manager's csrsigning controller is given). */
export function clusterCsrSigner(ca: KeyPairPem): { parse(pem: string): CertificateRequestInfo; sign(pem: string, usages: string[], notBefore: Date, notAfter: Date): Promise<string> } {
  return {
    parse: parseCertificateRequest,
    async sign(pem, usages, notBefore, notAfter) {
      const caEnd = new Date(new X509Certificate(ca.cert).validTo);
      return signRequest(ca, parseCertificateRequest(pem), { usages, notBefore, notAfter: notAfter > caEnd ? caEnd : notAfter });
    },
  };
}
