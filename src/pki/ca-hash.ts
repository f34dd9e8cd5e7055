// The pin a joining node checks the cluster CA against (--discovery-token-ca-cert-hash): "sha256:" and the hex
// SHA-256 of the CA certificate's DER SubjectPublicKeyInfo, as kubeadm computes it (openssl: `openssl x509 -pubkey
// -in ca.crt | openssl pkey -pubin -outform der | sha256sum`).
import { createHash, X509Certificate } from 'node:crypto';

export function caPublicKeyHash(certPem: string | Buffer): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/** Every certificate of a PEM bundle. */
export function pemCertificates(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/** A pin in the accepted form: "sha256:" + 64 hex digits (case ignored), normalised to lower case. */
export function parseCaHash(text: string): string | undefined {
  const m = /^sha256:([0-9a-fA-F]{64})$/.exec(text);
  return m ? `sha256:${m[1]!.toLowerCase()}` : undefined;
}
