// How the API server reaches a node agent: the node's address (by preferred type) and the port in
// status.daemonEndpoints.kubeletEndpoint, TLS verified against the cluster CA, the API server's kubelet-client
// certificate as credentials. Node agents of this process can be named directly (their addresses may be simulated).
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { isRecord, type KubeObject } from '../../api/object.js';

export interface KubeletEndpoint {
  host: string;
  port: number;
}

export interface KubeletClientConfig {
  ca: string;
  cert: string;
  key: string;
  /** Address types tried in order (kube-apiserver's --kubelet-preferred-address-types). */
  preferredAddressTypes?: string[];
  /** Node agents running in this process: name → where their server listens. */
  localNodes?: ReadonlyMap<string, KubeletEndpoint>;
}

export const defaultPreferredAddressTypes = ['InternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS', 'ExternalIP'];

/** Where the node agent of `node` listens, or undefined when the Node names no usable address. */
export function kubeletEndpoint(node: Readonly<KubeObject>, cfg: KubeletClientConfig): KubeletEndpoint | undefined {
  const local = cfg.localNodes?.get(node.metadata.name ?? '');
  if (local) return local;
  const status = isRecord(node['status']) ? node['status'] : {};
  const daemon = isRecord(status['daemonEndpoints']) ? status['daemonEndpoints'] : {};
  const kubelet = isRecord(daemon['kubeletEndpoint']) ? daemon['kubeletEndpoint'] : {};
  // A node agent that serves nothing says so with port 0; one that says nothing listens where kubelets do.
  const advertised = kubelet['Port'];
  if (advertised === 0) return undefined;
  const port = typeof advertised === 'number' && advertised > 0 && advertised < 65536 ? advertised : 10250;
  const addresses = Array.isArray(status['addresses']) ? status['addresses'].filter(isRecord) : [];
  for (const type of cfg.preferredAddressTypes ?? defaultPreferredAddressTypes) {
    const a = addresses.find((x) => x['type'] === type && typeof x['address'] === 'string' && x['address'] !== '');
    if (a) return { host: a['address'] as string, port };
  }
  return undefined;
}

function tlsOptions(e: KubeletEndpoint, cfg: KubeletClientConfig) {
  return { host: e.host, port: e.port, ca: cfg.ca, cert: cfg.cert, key: cfg.key, ...(isIP(e.host) ? {} : { servername: e.host }), ALPNProtocols: ['http/1.1'] };
}

/** A TLS connection to the node agent, resolved once the handshake is done. */
export function dialKubelet(e: KubeletEndpoint, cfg: KubeletClientConfig): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect(tlsOptions(e, cfg));
    s.once('secureConnect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** A GET to the node agent; resolves with the response, whatever its status. */
export function getFromKubelet(e: KubeletEndpoint, cfg: KubeletClientConfig, path: string, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ ...tlsOptions(e, cfg), method: 'GET', path, headers: { Accept: '*/*' }, signal, agent: false });
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

export function hostPort(e: KubeletEndpoint): string {
  return isIP(e.host) === 6 ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}
