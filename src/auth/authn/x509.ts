// x509 client certificates signed by the cluster CA: user = CN, groups = O values.
import { X509Certificate, createHash } from 'node:crypto';
import type { Authenticator, AuthnRequest, AuthnResult, UserInfo } from '../types.js';
import { certificateSubject } from '../../pki/subject.js';

const clientAuthOid = '1.3.6.1.5.5.7.3.2';

/** What a certificate proves, worked out once per certificate (signature checks are the expensive part). */
type Verdict = { kind: 'ok'; user: UserInfo; validFrom: number; validTo: number } | { kind: 'fail'; reason: string } | { kind: 'skip' };

const maxCached = 1024;

export function x509Authenticator(clientCaPem: string, now: () => Date = () => new Date()): Authenticator {
  const ca = new X509Certificate(clientCaPem);
  const verdicts = new Map<string, Verdict>();

  function verify(der: Buffer): Verdict {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(der);
    } catch {
      return { kind: 'fail', reason: 'unparseable client certificate' };
    }
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return { kind: 'fail', reason: 'x509: certificate signed by unknown authority' };
    const ekus = cert.keyUsage ?? [];
    if (ekus.length > 0 && !ekus.includes(clientAuthOid)) return { kind: 'fail', reason: 'x509: certificate specifies an incompatible key usage' };
    const { commonName, organizations } = certificateSubject(der);
    if (!commonName) return { kind: 'skip' };
    const credentialId = `X509SHA256=${createHash('sha256').update(der).digest('hex')}`;
    const user = { name: commonName, groups: organizations, extra: { 'authentication.kubernetes.io/credential-id': [credentialId] } };
    return { kind: 'ok', user, validFrom: Date.parse(cert.validFrom), validTo: Date.parse(cert.validTo) };
  }

  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResult> {
      const der = req.peerCertificates?.[0];
      if (!der) return { kind: 'skip' };
      const key = der.toString('base64');
      let verdict = verdicts.get(key);
      if (!verdict) {
        verdict = verify(der);
        if (verdicts.size >= maxCached) verdicts.delete(verdicts.keys().next().value as string);
        verdicts.set(key, verdict);
      }
      if (verdict.kind !== 'ok') return verdict;
      // Validity is checked on every use: a cached certificate still expires.
      const t = now().getTime();
      if (t < verdict.validFrom || t > verdict.validTo) return { kind: 'fail', reason: 'x509: certificate has expired or is not yet valid' };
      return { kind: 'ok', user: structuredClone(verdict.user) };
    },
  };
}
