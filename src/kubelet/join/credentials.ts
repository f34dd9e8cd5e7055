// Where a joined node keeps its identity, laid out as the kubelet keeps it: DIR/pki/kubelet-client-<time>.pem
// (certificate and key in one file, 0600) with kubelet-client-current.pem pointing at the newest, the cluster CA
// in DIR/pki/ca.crt, and DIR/kubelet.kubeconfig naming the server, the CA and the current pem file — so kubectl
// with that kubeconfig acts as the node, and sees each rotated certificate without being rewritten. The serving
// certificate is kept the same way as kubelet-server-<time>.pem and kubelet-server-current.pem.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { stringify, parse as parseYaml } from 'yaml';
import { refuseDeepYaml } from '../../api/yaml-depth.js';
import { isRecord } from '../../api/object.js';
import type { KeyPairPem } from '../../pki/index.js';

export interface NodeCredentials {
  server: string;
  caPem: string;
  pair: KeyPairPem;
}

export const nodeKubeconfigName = 'kubelet.kubeconfig';

export function nodeKubeconfigPath(dataDir: string): string {
  return join(dataDir, nodeKubeconfigName);
}

function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, '').replace(/[T:]/g, '-');
}

/** Writes a certificate and its key as PREFIX-<time>.pem and points PREFIX-current.pem at it; older files but the previous go. */
export function storeCertificatePair(pkiDir: string, prefix: string, pair: KeyPairPem, now = new Date()): string {
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  const file = `${prefix}-${stamp(now)}.pem`;
  const current = `${prefix}-current.pem`;
  writeFileSync(join(pkiDir, file), `${pair.cert.trimEnd()}\n${pair.key.trimEnd()}\n`, { mode: 0o600 });
  const tmp = join(pkiDir, `${current}.tmp`);
  rmSync(tmp, { force: true });
  symlinkSync(file, tmp);
  renameSync(tmp, join(pkiDir, current));
  const older = readdirSync(pkiDir).filter((f) => f.startsWith(`${prefix}-`) && /^\d/.test(f.slice(prefix.length + 1)) && f.endsWith('.pem') && f !== file).sort();
  for (const f of older.slice(0, -1)) rmSync(join(pkiDir, f), { force: true });
  return join(pkiDir, current);
}

/** The certificate and key PREFIX-current.pem holds, or undefined. */
export function loadCertificatePair(pkiDir: string, prefix: string): KeyPairPem | undefined {
  const pem = join(pkiDir, `${prefix}-current.pem`);
  if (!existsSync(pem)) return undefined;
  try {
    const text = readFileSync(pem, 'utf8');
    const cert = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/.exec(text)?.[0];
    const key = /-----BEGIN (?:EC )?PRIVATE KEY-----[\s\S]*?-----END (?:EC )?PRIVATE KEY-----\n?/.exec(text)?.[0];
    return cert && key ? { cert, key } : undefined;
  } catch {
    return undefined;
  }
}

export const clientPemPrefix = 'kubelet-client';
export const servingPemPrefix = 'kubelet-server';

/** Writes a new client certificate (and, the first time, the CA and kubeconfig). */
export function storeNodeCredentials(dataDir: string, c: NodeCredentials, now = new Date()): void {
  const pki = join(dataDir, 'pki');
  const current = storeCertificatePair(pki, clientPemPrefix, c.pair, now);
  writeFileSync(join(pki, 'ca.crt'), c.caPem, { mode: 0o644 });
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'default-cluster', cluster: { 'certificate-authority-data': Buffer.from(c.caPem).toString('base64'), server: c.server } }],
    contexts: [{ name: 'default-context', context: { cluster: 'default-cluster', namespace: 'default', user: 'default-auth' } }],
    'current-context': 'default-context',
    preferences: {},
    users: [{ name: 'default-auth', user: { 'client-certificate': current, 'client-key': current } }],
  };
  const path = nodeKubeconfigPath(dataDir);
  writeFileSync(`${path}.tmp`, stringify(kubeconfig, { version: '1.1', lineWidth: 0, indentSeq: false }), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** The node's stored credentials, or undefined when there are none (or they cannot be read). */
export function loadNodeCredentials(dataDir: string): NodeCredentials | undefined {
  const path = nodeKubeconfigPath(dataDir);
  if (!existsSync(path)) return undefined;
  const pair = loadCertificatePair(join(dataDir, 'pki'), clientPemPrefix);
  if (!pair) return undefined;
  try {
    const text = readFileSync(path, 'utf8');
    refuseDeepYaml(text);
    const doc: unknown = parseYaml(text);
    const clusters = isRecord(doc) && Array.isArray(doc['clusters']) ? doc['clusters'] : [];
    const cluster = isRecord(clusters[0]) && isRecord(clusters[0]['cluster']) ? clusters[0]['cluster'] : undefined;
    const server = cluster?.['server'];
    const ca = cluster?.['certificate-authority-data'];
    if (typeof server !== 'string' || typeof ca !== 'string') return undefined;
    return { server, caPem: Buffer.from(ca, 'base64').toString('utf8'), pair };
  } catch {
    return undefined;
  }
}

/** The certificate's validity and subject, for the rotation schedule and the start-up checks. */
export function certificateInfo(certPem: string): { notBefore: number; notAfter: number; subject: string } {
  const c = new X509Certificate(certPem);
  return { notBefore: Date.parse(c.validFrom), notAfter: Date.parse(c.validTo), subject: c.subject };
}
