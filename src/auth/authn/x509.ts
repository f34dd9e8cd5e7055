// x509 client certificates signed by the cluster CA, directly or through intermediates the client sends:
// user = CN, groups = O values. The chain verification is shared with request-header authentication (front
// proxies' certificates are verified against their own CA).
import { X509Certificate, createHash } from 'node:crypto';
import type { Authenticator, AuthnRequest, AuthnResult } from '../types.js';
import { certificateSubject } from '../../pki/subject.js';

const clientAuthOid = '1.3.6.1.5.5.7.3.2';
const anyExtendedKeyUsageOid = '2.5.29.37.0';
/** Intermediates followed at most between a client certificate and the cluster CA. */
const maxIntermediates = 8;

/** What a certificate chain proves against one CA: its subject, while every certificate in the chain is valid. */
export type ChainVerdict =
  | { kind: 'ok'; commonName: string; organizations: string[]; leafDer: Buffer; credentialId: string; validFrom: number; validTo: number }
  | { kind: 'fail'; reason: string }
  | { kind: 'skip' };

const maxCached = 1024;

const unknownAuthority = 'x509: certificate signed by unknown authority';

/** An extended key usage list permits client authentication when it is absent, names it, or allows any. */
function allowsClientAuth(cert: X509Certificate): boolean {
  const ekus = cert.keyUsage ?? [];
  return ekus.length === 0 || ekus.includes(clientAuthOid) || ekus.includes(anyExtendedKeyUsageOid);
}

/**
 * Verifies client certificate chains (leaf first) against one CA for client authentication, as Go's x509 Verify
 * does, remembering the answer per chain (signature checks are the expensive part); validity is checked on every
 * use, so a remembered certificate still expires. skip: no certificate.
 */
export function clientChainVerifier(caPem: string, now: () => Date = () => new Date()): (ders: readonly Buffer[]) => ChainVerdict {
  const ca = new X509Certificate(caPem);
  const verdicts = new Map<string, ChainVerdict>();
  // The server reads a connection's certificates once and hands every request on it the same array: looked up by
  // the array first, a request skips encoding the certificates into the key.
  const verdictsByArray = new WeakMap<readonly Buffer[], ChainVerdict>();

  /**
   * The chain from `leaf` up to (not including) the CA, through CA certificates among `intermediates` whose
   * signatures check; a reason when there is none.
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

  function verify(ders: readonly Buffer[]): ChainVerdict {
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
    const leafDer = ders[0]!;
    const { commonName, organizations } = certificateSubject(leafDer);
    // The chain is valid while every certificate in it is.
    const validFrom = Math.max(...chain.map((c) => Date.parse(c.validFrom)));
    const validTo = Math.min(...chain.map((c) => Date.parse(c.validTo)));
    const credentialId = `X509SHA256=${createHash('sha256').update(leafDer).digest('hex')}`;
    return { kind: 'ok', commonName, organizations, leafDer, credentialId, validFrom, validTo };
  }

  return function verifyChain(ders) {
    if (ders.length === 0) return { kind: 'skip' };
    let verdict = verdictsByArray.get(ders);
    if (!verdict) {
      const key = ders.map((d) => d.toString('base64')).join('.');
      verdict = verdicts.get(key);
      if (!verdict) {
        verdict = verify(ders);
        if (verdicts.size >= maxCached) verdicts.delete(verdicts.keys().next().value as string);
        verdicts.set(key, verdict);
      }
      verdictsByArray.set(ders, verdict);
    }
    if (verdict.kind !== 'ok') return verdict;
    const t = now().getTime();
    if (t < verdict.validFrom || t > verdict.validTo) return { kind: 'fail', reason: 'x509: certificate has expired or is not yet valid' };
    return verdict;
  };
}

export function x509Authenticator(clientCaPem: string, now: () => Date = () => new Date()): Authenticator {
  const verify = clientChainVerifier(clientCaPem, now);
  return {
    async authenticate(req: AuthnRequest): Promise<AuthnResult> {
      const v = verify(req.peerCertificates ?? []);
      if (v.kind !== 'ok') return v;
      if (!v.commonName) return { kind: 'skip' };
      return { kind: 'ok', user: { name: v.commonName, groups: [...v.organizations], extra: { 'authentication.kubernetes.io/credential-id': [v.credentialId] } } };
    },
  };
}
