// Certificates for the cluster: a CA, serving certificates and client certificates (EC P-256, SHA-256).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, randomBytes } from 'node:crypto';

const crypto = webcrypto;
type CryptoKey = webcrypto.CryptoKey;
x509.cryptoProvider.set(crypto);

const keyAlgorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface KeyPairPem {
  cert: string;
  key: string;
}

export interface IssueOptions {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usage: 'server' | 'client' | 'server+client';
  validDays: number;
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f; // positive
  return b.toString('hex');
}

function dn(cn: string, orgs: string[] = []): string {
  const esc = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  return [`CN=${esc(cn)}`, ...orgs.map((o) => `O=${esc(o)}`)].join(', ');
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return crypto.subtle.importKey('pkcs8', Buffer.from(b64, 'base64'), keyAlgorithm, true, ['sign']);
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Date.now() - 5 * 60_000); // tolerate small clock skew between machines
  return { notBefore, notAfter: new Date(notBefore.getTime() + days * 86_400_000) };
}

export async function createCertificateAuthority(commonName: string, validDays = 3650): Promise<KeyPairPem> {
  const keys = await crypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: dn(commonName),
    keys,
    signingAlgorithm,
    ...validity(validDays),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await exportKey(keys.privateKey) };
}

export async function issueCertificate(ca: KeyPairPem, opts: IssueOptions): Promise<KeyPairPem> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importKey(ca.key);
  const keys = await crypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
  const ekus: string[] = [];
  if (opts.usage !== 'client') ekus.push(x509.ExtendedKeyUsage.serverAuth);
  if (opts.usage !== 'server') ekus.push(x509.ExtendedKeyUsage.clientAuth);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(ekus, false),
    await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
  ];
  const names = [...(opts.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })), ...(opts.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value }))];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: dn(opts.commonName, opts.organizations),
    issuer: caCert.subject,
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm,
    ...validity(opts.validDays),
    extensions,
  });
  return { cert: cert.toString('pem') + '\n', key: await exportKey(keys.privateKey) };
}

const keyUsageBits: Record<string, number> = {
  signing: x509.KeyUsageFlags.digitalSignature,
  'digital signature': x509.KeyUsageFlags.digitalSignature,
  'content commitment': x509.KeyUsageFlags.nonRepudiation,
  'key encipherment': x509.KeyUsageFlags.keyEncipherment,
  'key agreement': x509.KeyUsageFlags.keyAgreement,
  'data encipherment': x509.KeyUsageFlags.dataEncipherment,
  'cert sign': x509.KeyUsageFlags.keyCertSign,
  'crl sign': x509.KeyUsageFlags.cRLSign,
  'encipher only': x509.KeyUsageFlags.encipherOnly,
  'decipher only': x509.KeyUsageFlags.decipherOnly,
};

const extendedKeyUsages: Record<string, string> = {
  any: '2.5.29.37.0',
  'server auth': x509.ExtendedKeyUsage.serverAuth,
  'client auth': x509.ExtendedKeyUsage.clientAuth,
  'code signing': x509.ExtendedKeyUsage.codeSigning,
  'email protection': x509.ExtendedKeyUsage.emailProtection,
  's/mime': x509.ExtendedKeyUsage.emailProtection,
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  timestamping: x509.ExtendedKeyUsage.timeStamping,
  'ocsp signing': x509.ExtendedKeyUsage.ocspSigning,
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};

export interface RequestToSign {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  publicKeyDer: Buffer;
}

/** Issues a certificate for a certificate request's key and names, signed by the CA; returns PEM. */
export async function signRequest(ca: KeyPairPem, req: RequestToSign, opts: { usages: string[]; notBefore: Date; notAfter: Date }): Promise<string> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importKey(ca.key);
  const bits = opts.usages.reduce((acc, u) => acc | (keyUsageBits[u] ?? 0), 0);
  const ekus = [...new Set(opts.usages.map((u) => extendedKeyUsages[u]).filter((x): x is string => x !== undefined))];
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  if (bits !== 0) extensions.push(new x509.KeyUsagesExtension(bits, true));
  if (ekus.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension(ekus, false));
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(caCert, false));
  const names = [
    ...req.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...req.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
    ...req.emailAddresses.map((value) => ({ type: 'email' as const, value })),
    ...req.uris.map((value) => ({ type: 'url' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: dn(req.commonName, req.organizations),
    issuer: caCert.subject,
    publicKey: new x509.PublicKey(req.publicKeyDer),
    signingKey: caKey,
    signingAlgorithm,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    extensions,
  });
  return cert.toString('pem') + '\n';
}

/**
 * A new EC P-256 key and a PKCS#10 certificate request for it (what a joining node sends as a
 * CertificateSigningRequest), with subject alternative names when given; the key never leaves the caller.
 * Returns PEM for both and the key's DER SubjectPublicKeyInfo.
 */
export async function createCertificateRequest(commonName: string, organizations: string[] = [], alternativeNames: { dnsNames?: string[]; ipAddresses?: string[] } = {}): Promise<{ csr: string; key: string; publicKeyDer: Buffer }> {
  const keys = await crypto.subtle.generateKey(keyAlgorithm, true, ['sign', 'verify']);
  const names = [...(alternativeNames.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })), ...(alternativeNames.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value }))];
  const extensions = names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names, false)] : [];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: dn(commonName, organizations), keys, signingAlgorithm, extensions });
  const publicKeyDer = Buffer.from(await crypto.subtle.exportKey('spki', keys.publicKey));
  return { csr: csr.toString('pem') + '\n', key: await exportKey(keys.privateKey), publicKeyDer };
}
