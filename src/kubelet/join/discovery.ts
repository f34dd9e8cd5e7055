// Token discovery, as `kubeadm join` does it: read kube-public/cluster-info without trusting the server's
// certificate, check the token's detached JWS over its kubeconfig (only someone holding the token could have
// signed it), check the CA in it against the pinned public-key hashes, then read it again over TLS verified with
// that CA and require the same kubeconfig. The result is the server URL and CA to trust from then on.
import { parse as parseYaml } from 'yaml';
import { refuseDeepYaml } from '../../api/yaml-depth.js';
import { clusterInfoName, clusterInfoNamespace, jwsKeyPrefix, kubeconfigKey, type BootstrapToken } from '../../api/bootstrap-token.js';
import { detachedSignatureValid } from '../../api/detached-jws.js';
import { isRecord, type KubeObject } from '../../api/object.js';
import { createRestClient, type RestClient } from '../../client/rest.js';
import { caPublicKeyHash, pemCertificates } from '../../pki/ca-hash.js';

export interface DiscoveryOptions {
  server: string;
  token: BootstrapToken;
  /** Accepted CA public-key hashes ("sha256:<hex>"); empty only with unsafeSkipCAVerification. */
  caHashes: string[];
  unsafeSkipCAVerification?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Test seam: the clients used for the two reads. */
  makeClient?: (server: string, caPem?: string) => RestClient;
}

export interface DiscoveredCluster {
  server: string;
  caPem: string;
}

export class DiscoveryError extends Error {}

const path = `/api/v1/namespaces/${clusterInfoNamespace}/configmaps/${clusterInfoName}`;

function defaultClient(server: string, caPem?: string): RestClient {
  return createRestClient({ server, ...(caPem ? { caData: Buffer.from(caPem) } : { insecureSkipTLSVerify: true }), timeoutMs: 10_000, userAgent: `a-kube-join/v0.1.0 (${process.platform}/${process.arch})` });
}

/** The one cluster of a cluster-info kubeconfig: its server and CA bundle (PEM). */
export function clusterOfKubeconfig(text: string): DiscoveredCluster {
  let doc: unknown;
  try {
    refuseDeepYaml(text);
    doc = parseYaml(text);
  } catch (e) {
    throw new DiscoveryError(`couldn't parse the kubeconfig file in the ${clusterInfoName} ConfigMap: ${(e as Error).message}`);
  }
  const clusters = isRecord(doc) && Array.isArray(doc['clusters']) ? doc['clusters'] : [];
  const first = clusters.find(isRecord);
  const cluster = first && isRecord(first['cluster']) ? first['cluster'] : undefined;
  const server = cluster?.['server'];
  const ca = cluster?.['certificate-authority-data'];
  if (typeof server !== 'string' || server === '' || typeof ca !== 'string') throw new DiscoveryError(`the kubeconfig in the ${clusterInfoName} ConfigMap names no server or no certificate-authority-data`);
  const caPem = Buffer.from(ca, 'base64').toString('utf8');
  if (pemCertificates(caPem).length === 0) throw new DiscoveryError(`the kubeconfig in the ${clusterInfoName} ConfigMap holds no CA certificate`);
  return { server, caPem };
}

function kubeconfigOf(cm: KubeObject): string | undefined {
  const data = isRecord(cm['data']) ? cm['data'] : {};
  const v = data[kubeconfigKey];
  return typeof v === 'string' ? v : undefined;
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((r) => {
  const t = setTimeout(r, ms);
  signal?.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
});

/** One attempt; throws DiscoveryError for what retrying cannot change, other errors for what it might. */
async function attempt(o: DiscoveryOptions, make: (server: string, caPem?: string) => RestClient): Promise<DiscoveredCluster> {
  const insecure = make(o.server);
  let cm: KubeObject;
  try {
    cm = await insecure.get(path, o.signal ? { signal: o.signal } : undefined);
  } finally {
    insecure.close();
  }
  const content = kubeconfigOf(cm);
  if (content === undefined) throw new Error(`the ${clusterInfoName} ConfigMap has no ${kubeconfigKey} yet`);
  const data = isRecord(cm['data']) ? cm['data'] : {};
  const jws = data[`${jwsKeyPrefix}${o.token.id}`];
  if (typeof jws !== 'string' || jws === '') {
    throw new RetryableDiscoveryError(`there is no JWS signed token in the ${clusterInfoName} ConfigMap. This token id "${o.token.id}" is invalid for this cluster or it has expired. Use "a-kube token create" on the control-plane machine to create a new valid token`);
  }
  if (!detachedSignatureValid(jws, content, o.token.id, o.token.secret)) throw new DiscoveryError(`failed to verify JWS signature of received cluster info object, can't trust this API Server`);
  const cluster = clusterOfKubeconfig(content);
  if (!o.unsafeSkipCAVerification) {
    const hashes = pemCertificates(cluster.caPem).map(caPublicKeyHash);
    if (!hashes.some((h) => o.caHashes.includes(h))) throw new DiscoveryError(`cluster CA found in ${clusterInfoName} ConfigMap is invalid: none of the public keys ${hashes.map((h) => JSON.stringify(h)).join(', ')} are pinned`);
  }
  o.log?.(`cluster-info signed with token ${o.token.id} and its CA pinned; reading it again over TLS verified with that CA`);
  const secure = make(o.server, cluster.caPem);
  let again: KubeObject;
  try {
    again = await secure.get(path, o.signal ? { signal: o.signal } : undefined);
  } catch (e) {
    throw new DiscoveryError(`failed to read ${clusterInfoName} again over TLS verified with its CA: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    secure.close();
  }
  if (kubeconfigOf(again) !== content) throw new DiscoveryError(`the second kubeconfig from the ${clusterInfoName} ConfigMap (using validated TLS) was different from the first`);
  return cluster;
}

class RetryableDiscoveryError extends Error {}

/** Retries what may resolve itself (server not up yet, signature not written yet) until the timeout. */
export async function discoverCluster(o: DiscoveryOptions): Promise<DiscoveredCluster> {
  if (!o.unsafeSkipCAVerification && o.caHashes.length === 0) throw new DiscoveryError('a CA public-key hash is needed to trust the server: pass --discovery-token-ca-cert-hash sha256:<hex> (printed by "a-kube token create --print-join-command"), or --discovery-token-unsafe-skip-ca-verification');
  const make = o.makeClient ?? defaultClient;
  const deadline = Date.now() + (o.timeoutMs ?? 5 * 60_000);
  let last = '';
  for (;;) {
    try {
      return await attempt(o, make);
    } catch (e) {
      if (e instanceof DiscoveryError || o.signal?.aborted) throw e;
      const message = e instanceof Error ? e.message : String(e);
      if (message !== last) o.log?.(`discovery: ${message} (retrying)`);
      last = message;
      if (Date.now() > deadline) throw new DiscoveryError(`could not discover the cluster at ${o.server}: ${message}`);
    }
    await sleep(2000, o.signal);
  }
}
