// The service-account token signing key: RSA 2048, as kube-controller-manager/kube-apiserver use by default (RS256).
import { generateKeyPairSync, createPublicKey, createHash } from 'node:crypto';

export interface ServiceAccountKeyPem {
  privateKey: string;
  publicKey: string;
}

export function createServiceAccountKey(): ServiceAccountKeyPem {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Kubernetes' key id: base64url(sha256(PKIX DER of the public key)). */
export function keyId(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}
