// Signs service-account tokens with the cluster's key (RS256, kid = Kubernetes' key id).
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { keyId } from '../../pki/service-account-key.js';
import { legacyClaimKeys, legacyIssuer, serviceAccountUsername, type KubernetesClaim, type ObjectRefClaim } from './claims.js';

export interface BoundTokenRequest {
  namespace: string;
  serviceAccount: ObjectRefClaim;
  audiences: string[];
  expirationSeconds: number;
  pod?: ObjectRefClaim;
  secret?: ObjectRefClaim;
  node?: ObjectRefClaim;
  /** Seconds after which the token counts as stale (extended kubelet tokens). */
  warnAfterSeconds?: number;
}

export interface TokenSigner {
  issuer: string;
  keyId: string;
  /** A bound token; returns it with its expiry. */
  signBound(req: BoundTokenRequest): Promise<{ token: string; expires: Date }>;
  /** A legacy Secret-bound token (no expiry, no audience). */
  signLegacy(namespace: string, serviceAccount: ObjectRefClaim, secretName: string): Promise<string>;
}

export function createTokenSigner(opts: { privateKeyPem: string; publicKeyPem: string; issuer: string; now?: () => Date }): TokenSigner {
  const key: KeyObject = createPrivateKey(opts.privateKeyPem);
  const kid = keyId(opts.publicKeyPem);
  const now = opts.now ?? (() => new Date());
  const header = { alg: 'RS256', kid };
  return {
    issuer: opts.issuer,
    keyId: kid,
    async signBound(req) {
      const iat = Math.floor(now().getTime() / 1000);
      const exp = iat + req.expirationSeconds;
      const k8s: KubernetesClaim = { namespace: req.namespace, serviceaccount: req.serviceAccount };
      if (req.pod) k8s.pod = req.pod;
      if (req.secret) k8s.secret = req.secret;
      if (req.node) k8s.node = req.node;
      if (req.warnAfterSeconds !== undefined) k8s.warnafter = iat + req.warnAfterSeconds;
      const token = await new SignJWT({ aud: req.audiences, exp, iat, nbf: iat, iss: opts.issuer, jti: randomUUID(), sub: serviceAccountUsername(req.namespace, req.serviceAccount.name), 'kubernetes.io': k8s })
        .setProtectedHeader(header)
        .sign(key);
      return { token, expires: new Date(exp * 1000) };
    },
    async signLegacy(namespace, serviceAccount, secretName) {
      return new SignJWT({
        iss: legacyIssuer,
        [legacyClaimKeys.namespace]: namespace,
        [legacyClaimKeys.secretName]: secretName,
        [legacyClaimKeys.serviceAccountName]: serviceAccount.name,
        [legacyClaimKeys.serviceAccountUid]: serviceAccount.uid,
        sub: serviceAccountUsername(namespace, serviceAccount.name),
      })
        .setProtectedHeader(header)
        .sign(key);
    },
  };
}
