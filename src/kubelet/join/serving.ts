// A joined node's serving certificate: the stored one (DIR/pki/kubelet-server-current.pem) when it is still valid
// and names the node's current addresses, else one requested from the cluster once the Node reports those
// addresses; then renewed before it expires. Each certificate is stored and handed to the node's HTTPS server,
// which until the first one arrives refuses handshakes.
import { join } from 'node:path';
import type { RestClient } from '../../client/rest.js';
import type { KeyPairPem } from '../../pki/index.js';
import { certificateInfo, loadCertificatePair, servingPemPrefix, storeCertificatePair } from './credentials.js';
import { runCertificateRotation } from './rotation.js';
import { certificateCovers, requestNodeServingCertificate, servingNames } from './serving-certificate.js';

export interface ServingCertificateOptions {
  nodeName: string;
  addresses: readonly { type: string; address: string }[];
  dataDir: string;
  /** The node's own client (system:node:<name>). */
  client: Pick<RestClient, 'create' | 'get'>;
  /** Puts a certificate to use (the server's setServingCertificate). */
  use(pair: KeyPairPem): void;
  signal: AbortSignal;
  log?: (line: string) => void;
  now?: () => number;
}

/** The stored serving certificate when it can still be used for these addresses. */
export function usableStoredCertificate(dataDir: string, addresses: readonly { type: string; address: string }[], now: number): KeyPairPem | undefined {
  const stored = loadCertificatePair(join(dataDir, 'pki'), servingPemPrefix);
  if (!stored) return undefined;
  try {
    return certificateInfo(stored.cert).notAfter > now && certificateCovers(stored.cert, servingNames(addresses)) ? stored : undefined;
  } catch {
    return undefined;
  }
}

/** Runs until the signal aborts: uses the stored certificate or asks for one, and renews it. */
export function runServingCertificate(o: ServingCertificateOptions): Promise<void> {
  const pki = join(o.dataDir, 'pki');
  const current = usableStoredCertificate(o.dataDir, o.addresses, (o.now ?? Date.now)());
  if (current) o.use(current);
  const names = servingNames(o.addresses);
  return runCertificateRotation({
    what: 'serving certificate',
    ...(current ? { current } : {}),
    request: (signal) => requestNodeServingCertificate(o.client, { nodeName: o.nodeName, names, signal, ...(o.log ? { log: o.log } : {}) }),
    install: (pair) => {
      storeCertificatePair(pki, servingPemPrefix, pair);
      o.use(pair);
    },
    signal: o.signal,
    ...(o.log ? { log: o.log } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
}
