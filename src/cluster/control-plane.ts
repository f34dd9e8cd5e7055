// `a-kube up`: one process with the API server (and, as later issues add them, controllers, scheduler and a node agent).
// Each component is started in order, and the cluster counts as up when the API server answers /readyz.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureClusterPki, writeKubeconfig, type ClusterPki } from '../pki/index.js';
import type { Storage } from '../storage/types.js';
import { createMemoryStorage } from '../storage/memory.js';
import { openSqliteStorage } from '../storage/sqlite.js';
import { startApiServer, type RunningApiServer } from '../apiserver/server.js';
import { unionAuthenticator } from '../auth/authn/union.js';
import { x509Authenticator } from '../auth/authn/x509.js';
import { alwaysAllow } from '../auth/authz/always-allow.js';
import { createRestClient, type RestClient } from '../client/rest.js';
import { ensureSystemNamespaces } from './bootstrap.js';

export interface ClusterOptions {
  dataDir: string;
  port: number;
  listen: string;
  storage: 'sqlite' | 'memory';
  anonymousAuth: boolean;
  /** Progress lines for people waiting ("generating certificates…"). */
  progress?: (line: string) => void;
}

export interface RunningCluster {
  url: string;
  kubeconfigPath: string;
  pki: ClusterPki;
  apiserver: RunningApiServer;
  adminClient: RestClient;
  close(): Promise<void>;
}

function openStorage(opts: ClusterOptions): Storage {
  if (opts.storage === 'memory') return createMemoryStorage();
  return openSqliteStorage(join(opts.dataDir, 'state.db'));
}

export async function startCluster(opts: ClusterOptions): Promise<RunningCluster> {
  const say = opts.progress ?? (() => {});
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  say(`certificates and keys in ${join(opts.dataDir, 'pki')}`);
  const pki = await ensureClusterPki(opts.dataDir, { extraHosts: [opts.listen] });
  say(`storage: ${opts.storage === 'memory' ? 'in memory (lost on exit)' : join(opts.dataDir, 'state.db')}`);
  const storage = openStorage(opts);

  const authenticator = unionAuthenticator([x509Authenticator(pki.ca.cert)], { anonymous: opts.anonymousAuth });
  const apiserver = await startApiServer({
    storage,
    tls: { cert: pki.apiserver.cert, key: pki.apiserver.key, clientCA: pki.ca.cert },
    authenticator,
    authorizer: alwaysAllow,
    host: opts.listen,
    port: opts.port,
  });
  const host = opts.listen === '0.0.0.0' || opts.listen === '::' ? '127.0.0.1' : opts.listen;
  const url = `https://${host.includes(':') ? `[${host}]` : host}:${apiserver.port}`;
  say(`API server listening on ${url}`);

  const kubeconfigPath = join(opts.dataDir, 'admin.kubeconfig');
  writeKubeconfig(kubeconfigPath, { server: url, caCert: pki.ca.cert, client: pki.admin });
  const adminClient = createRestClient({ server: url, caData: Buffer.from(pki.ca.cert), certData: Buffer.from(pki.admin.cert), keyData: Buffer.from(pki.admin.key), userAgent: 'a-kube/bootstrap' });
  await ensureSystemNamespaces(adminClient);

  return {
    url,
    kubeconfigPath,
    pki,
    apiserver,
    adminClient,
    async close() {
      adminClient.close();
      await apiserver.close();
      await storage.close();
    },
  };
}
