// x509 client certificates signed by the cluster CA, directly or through intermediates the client sends:
// user = CN, groups = O values.
import { X509Certificate, createHash } from 'node:crypto';
import type { Authenticator, AuthnRequest, AuthnResult, UserInfo } from '../types.js';
import { certificateSubject } from '../../pki/subject.js';

const clientAuthOid = '1.3.6.1.5.5.7.3.2';
const anyExtendedKeyUsageOid = '2.5.29.37.0';
/** Intermediates followed at most between a client certificate and the cluster CA. */
const maxIntermediates = 8;

/** What a certificate proves, worked out once per certificate (signature checks are the expensive part). */
type Verdict = { kind: 'ok'; user: UserInfo; validFrom: number; validTo: number } | { kind: 'fail'; reason: string } | { kind: 'skip' };

const maxCached = 1024;

const unknownAuthority = 'x509: certificate signed by unknown authority';

/** An extended key usage list permits client authentication when it is absent, names it, or allows any. */
function allowsClientAuth(cert: X509Certificate): boolean {
  const ekus = cert.keyUsage ?? [];
  return ekus.length === 0 || ekus.includes(clientAuthOid) || ekus.includes(anyExtendedKeyUsageOid);
}

export function x509Authenticator(clientCaPem: string, now: () => Date = () => new Date()): Authenticator {
  const ca = new X509Certificate(clientCaPem);
  const verdicts = new Map<string, Verdict>();

  /**
   * The chain from `leaf` up to (not including) the cluster CA, through CA certificates among
   * `intermediates` whose signatures check, as Go's x509 Verify builds it; a reason when there is none.
   */
  function chainToCa(leaf: X509Certificate, intermediates: X509Certificate[]): X509Certificate[] | string {
    const chain = [leaf];
    for (let cur = leaf; ; ) {
      if (cur.checkIssued(ca) && cur.verify(ca.publicKey)) return chain;
      if (chain.length > maxIntermediates) return unknownAuthority;
      const issuer = intermediates.find((c) => c.ca && !chain.includes(c) && cur.checkIssued(c) && cur.verify(c.publicKey));
      if (!issuer) return unknownAuthority;
      chain.push(issuer);
      cur = issuer;
    }
  }

  function verify(ders: Buffer[]): Verdict {
    let certs: X509Certificate[];
    try {
      certs = ders.map((d) => new X509Certificate(d));
    } catch {
      return { kind: 'fail', reason: 'unparseable client certificate' };
    }
    const [leaf, ...intermediates] = certs;
    if (!leaf) return { kind: 'skip' };
    const chain = chainToCa(leaf, intermediates);
    if (typeof chain === 'string') return { kind: 'fail', reason: chain };
    if (!chain.every(allowsClientAuth)) return { kind: 'fail', reason: 'x509: certificate specifies an incompatible key usage' };
    const der = ders[0]!;
    const { commonName, organizations } = certificateSubject(der);
    if (!commonName) return { kind: 'skip' };
    const credentialId = `X509SHA256=${createHash('sha256').update(der).digest('hex')}`;
    const user = { name: commonName, groups: organizations, extra: { 'authentication.kubernetes.io/credential-id': [credentialId] } };
    // The chain is valid while every certificate in it is.
    const validFrom = Math.max(...chain.map((c) => Date.parse(c.validFrom)));
    const validTo = Math.min(...chain.map((c) => Date.parse(c.validTo)));
    return { kind: 'ok', user, validFrom, validTo };
  }

  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResult> {
      const ders = req.peerCertificates ?? [];
      if (ders.length === 0) return { kind: 'skip' };
      const key = ders.map((d) => d.toString('base64')).join('.');
      let verdict = verdicts.get(key);
      if (!verdict) {
        verdict = verify(ders);
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
