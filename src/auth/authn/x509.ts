// x509 client certificates signed by the cluster CA: user = CN, groups = O values.
import { X509Certificate, createHash } from 'node:crypto';
import type { Authenticator, AuthnRequest, AuthnResult } from '../types.js';
import { certificateSubject } from '../../pki/subject.js';

const clientAuthOid = '1.3.6.1.5.5.7.3.2';

export function x509Authenticator(clientCaPem: string, now: () => Date = () => new Date()): Authenticator {
  const ca = new X509Certificate(clientCaPem);
  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResult> {
      const der = req.peerCertificates?.[0];
      if (!der) return { kind: 'skip' };
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(der);
      } catch {
        return { kind: 'fail', reason: 'unparseable client certificate' };
      }
      if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return { kind: 'fail', reason: 'x509: certificate signed by unknown authority' };
      const t = now().getTime();
      if (t < Date.parse(cert.validFrom) || t > Date.parse(cert.validTo)) return { kind: 'fail', reason: 'x509: certificate has expired or is not yet valid' };
      const ekus = cert.keyUsage ?? [];
      if (ekus.length > 0 && !ekus.includes(clientAuthOid)) return { kind: 'fail', reason: 'x509: certificate specifies an incompatible key usage' };
      const { commonName, organizations } = certificateSubject(der);
      if (!commonName) return { kind: 'skip' };
      const credentialId = `X509SHA256=${createHash('sha256').update(der).digest('hex')}`;
      return { kind: 'ok', user: { name: commonName, groups: organizations, extra: { 'authentication.kubernetes.io/credential-id': [credentialId] } } };
    },
  };
}
