// The cluster's key material in DATA_DIR/pki: created on first start, reused on every restart.
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { networkInterfaces } from 'node:os';
import { X509Certificate } from 'node:crypto';
import type { KeyPairPem } from './certs.js';
import { createServiceAccountKey, type ServiceAccountKeyPem } from './service-account-key.js';

export interface ClusterPki {
  ca: KeyPairPem;
  apiserver: KeyPairPem;
  admin: KeyPairPem;
  /** The API server's client certificate towards node agents (pods/log, exec, attach, portforward). */
  kubeletClient: KeyPairPem;
  serviceAccount: ServiceAccountKeyPem;
  /** The front-proxy CA (kubeadm's front-proxy-ca): extension API servers trust identity headers from its clients. */
  frontProxyCa: KeyPairPem;
  /** The API server's client certificate towards aggregated API servers (CN front-proxy-client). */
  frontProxyClient: KeyPairPem;
  dir: string;
}

/** The names and addresses the API serving certificate must carry. */
export function apiserverSubjectAltNames(extraHosts: string[] = []): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
  const ipAddresses = ['127.0.0.1', '10.96.0.1'];
  for (const list of Object.values(networkInterfaces())) {
    for (const addr of list ?? []) {
      if (addr.family === 'IPv4' && !ipAddresses.includes(addr.address)) ipAddresses.push(addr.address);
    }
  }
  for (const host of extraHosts) {
    const isIp = /^[0-9.]+$/.test(host) || host.includes(':');
    const list = isIp ? ipAddresses : dnsNames;
    if (host && !list.includes(host)) list.push(host);
  }
  return { dnsNames, ipAddresses };
}

/** Whether a certificate names every DNS name and IP address given (a reused serving certificate may predate one). */
export function certificateCovers(certPem: string, want: { dnsNames: string[]; ipAddresses: string[] }): boolean {
  let san: string;
  try {
    san = new X509Certificate(certPem).subjectAltName ?? '';
  } catch {
    return false;
  }
  const have = new Set(san.split(',').map((s) => s.trim()));
  return want.dnsNames.every((d) => have.has(`DNS:${d}`)) && want.ipAddresses.every((ip) => have.has(`IP Address:${ip}`));
}

function writeAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

function readPair(dir: string, name: string): KeyPairPem | undefined {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  if (!existsSync(cert) || !existsSync(key)) return undefined;
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

function writePair(dir: string, name: string, pair: KeyPairPem): void {
  writeAtomic(join(dir, `${name}.key`), pair.key, 0o600);
  writeAtomic(join(dir, `${name}.crt`), pair.cert, 0o644);
}

export async function ensureClusterPki(dataDir: string, opts: { extraHosts?: string[] } = {}): Promise<ClusterPki> {
  const dir = join(dataDir, 'pki');
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  // The certificate generator is slow to load: only pay for it when something must be created.
  const generator = () => import('./certs.js');
  let ca = readPair(dir, 'ca');
  if (!ca) {
    ca = await (await generator()).createCertificateAuthority('a-kube-ca');
    writePair(dir, 'ca', ca);
  }
  let apiserver = readPair(dir, 'apiserver');
  // Addresses given now (--listen, the node address) that an earlier certificate lacks call for a new one.
  const required = { dnsNames: [] as string[], ipAddresses: [] as string[] };
  for (const host of opts.extraHosts ?? []) {
    if (!host || host === '0.0.0.0' || host === '::') continue;
    (/^[0-9.]+$/.test(host) || host.includes(':') ? required.ipAddresses : required.dnsNames).push(host);
  }
  if (!apiserver || !certificateCovers(apiserver.cert, required)) {
    apiserver = await (await generator()).issueCertificate(ca, { commonName: 'kube-apiserver', usage: 'server', validDays: 365 * 5, ...apiserverSubjectAltNames(opts.extraHosts) });
    writePair(dir, 'apiserver', apiserver);
  }
  let admin = readPair(dir, 'admin');
  if (!admin) {
    admin = await (await generator()).issueCertificate(ca, { commonName: 'kubernetes-admin', organizations: ['system:masters'], usage: 'client', validDays: 365 * 5 });
    writePair(dir, 'admin', admin);
  }
  // As kubeadm issues apiserver-kubelet-client: a client certificate whose group may do anything on a node agent.
  let kubeletClient = readPair(dir, 'apiserver-kubelet-client');
  if (!kubeletClient) {
    kubeletClient = await (await generator()).issueCertificate(ca, { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usage: 'client', validDays: 365 * 5 });
    writePair(dir, 'apiserver-kubelet-client', kubeletClient);
  }
  let serviceAccount: ServiceAccountKeyPem;
  if (existsSync(join(dir, 'sa.key')) && existsSync(join(dir, 'sa.pub'))) {
    serviceAccount = { privateKey: readFileSync(join(dir, 'sa.key'), 'utf8'), publicKey: readFileSync(join(dir, 'sa.pub'), 'utf8') };
  } else {
    serviceAccount = createServiceAccountKey();
    writeAtomic(join(dir, 'sa.key'), serviceAccount.privateKey, 0o600);
    writeAtomic(join(dir, 'sa.pub'), serviceAccount.publicKey, 0o644);
  }
  // A CA of its own, as kubeadm makes it: a certificate of the cluster CA must not pass as a front proxy.
  let frontProxyCa = readPair(dir, 'front-proxy-ca');
  const newFrontProxyCa = !frontProxyCa;
  if (!frontProxyCa) {
    frontProxyCa = await (await generator()).createCertificateAuthority('front-proxy-ca');
    writePair(dir, 'front-proxy-ca', frontProxyCa);
  }
  let frontProxyClient = newFrontProxyCa ? undefined : readPair(dir, 'front-proxy-client');
  if (!frontProxyClient) {
    frontProxyClient = await (await generator()).issueCertificate(frontProxyCa, { commonName: 'front-proxy-client', usage: 'client', validDays: 365 * 5 });
    writePair(dir, 'front-proxy-client', frontProxyClient);
  }
  return { ca, apiserver, admin, kubeletClient, serviceAccount, frontProxyCa, frontProxyClient, dir };
}

/** Issues a client certificate for one of a-kube's own components (controller manager, scheduler, a node). */
export async function componentCertificate(pki: ClusterPki, name: string, commonName: string, organizations: string[] = []): Promise<KeyPairPem> {
  const existing = readPair(pki.dir, name);
  if (existing) return existing;
  const { issueCertificate } = await import('./certs.js');
  const pair = await issueCertificate(pki.ca, { commonName, organizations, usage: 'client', validDays: 365 * 5 });
  writePair(pki.dir, name, pair);
  return pair;
}

/**
 * The serving certificate of a node agent's HTTPS server (as the kubelet's: CN system:node:<name>, O system:nodes),
 * naming the addresses the API server dials. Reissued when an address or name is missing from the stored one.
 */
export async function kubeletServingCertificate(pki: ClusterPki, nodeName: string, hosts: string[]): Promise<KeyPairPem> {
  const file = `kubelet-serving-${nodeName.replace(/[^a-zA-Z0-9.-]/g, '_')}`;
  const dnsNames = [nodeName, 'localhost'];
  const ipAddresses = ['127.0.0.1'];
  for (const h of hosts) {
    const list = /^[0-9.]+$/.test(h) || h.includes(':') ? ipAddresses : dnsNames;
    if (h && !list.includes(h)) list.push(h);
  }
  const existing = readPair(pki.dir, file);
  if (existing) {
    const san = new X509Certificate(existing.cert).subjectAltName ?? '';
    const covered = [...dnsNames.map((d) => `DNS:${d}`), ...ipAddresses.map((i) => `IP Address:${i}`)].every((n) => san.split(', ').includes(n));
    if (covered) return existing;
  }
  const { issueCertificate } = await import('./certs.js');
  const pair = await issueCertificate(pki.ca, { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], usage: 'server', validDays: 365, dnsNames, ipAddresses });
  writePair(pki.dir, file, pair);
  return pair;
}
