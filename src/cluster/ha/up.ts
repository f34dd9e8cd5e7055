// `a-kube up --ha`: a highly available control plane on one machine, for trying fail-over. It starts, as
// supervised children, a three-member etcd (unless --storage etcd://… names one), several `a-kube server`s on
// consecutive ports sharing the data dir, two leader-elected `a-kube controller-manager`s and two schedulers; in
// its own process the TCP balancer on --port and the simulated local node(s), which reach the API servers through
// the client's fail-over. admin.kubeconfig names the balancer first and lists every API server after it.
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setMaxListeners } from 'node:events';
import { lockDataDir } from '../data-dir.js';
import { editKubeconfigServers } from '../admin-kubeconfig.js';
import { componentUserAgent } from '../component-user-agent.js';
import { componentCertificate, ensureClusterPki, kubeletServingCertificate } from '../../pki/index.js';
import { createRestClient, type RestClient } from '../../client/rest.js';
import { startFakeNodes } from '../../kubelet/fake-nodes.js';
import { startLocalNodeServer, type RunningNodeServer } from '../../kubelet/server/index.js';
import { SupervisedChild } from '../../process/supervised-child.js';
import { freePort } from './free-port.js';
import { startEtcdMembers, type RunningEtcdMembers } from './etcd-members.js';
import { startBalancer, type RunningBalancer } from './balancer.js';
import { readyzProbe } from './readyz-probe.js';

export interface HaOptions {
  dataDir: string;
  /** Where the balancer and the API servers listen (0.0.0.0: every interface). */
  listen: string;
  /** The balancer's port; the API servers take the next ones. 0: free ports. */
  port: number;
  apiServers: number;
  /** --storage etcd://… and --etcd-* flags, when the cluster's etcd is the user's; otherwise three members are started. */
  etcdFlags?: string[];
  etcdBinary: string;
  /** Flags every `a-kube server` gets besides --data-dir, --port, --listen and the storage. */
  serverFlags: string[];
  /** Flags every `a-kube controller-manager` gets besides --data-dir and --server. */
  controllerManagerFlags: string[];
  runtime: 'fake' | 'none';
  nodes: number;
  /** How to run this a-kube: the node binary and its arguments before the command. */
  self: { command: string; args: string[] };
  say: (line: string) => void;
}

export interface HaComponent {
  name: string;
  child: SupervisedChild;
}

export interface RunningHa {
  balancerUrl: string;
  servers: { url: string; child: SupervisedChild }[];
  components: HaComponent[];
  etcd?: RunningEtcdMembers;
  nodeNames: string[];
  kubeconfigPath: string;
  logDir: string;
  close(): Promise<void>;
}

const etcdMembers = 3;
const replicas = 2;
const serverStartMs = 180_000;

/** The balancer's port and the API servers' after it. */
async function pickPorts(o: HaOptions): Promise<number[]> {
  if (o.port !== 0) {
    if (o.port + o.apiServers > 65535) throw new Error(`port ${o.port} leaves no room for ${o.apiServers} API servers after it`);
    return Array.from({ length: o.apiServers + 1 }, (_, i) => o.port + i);
  }
  const ports: number[] = [];
  while (ports.length < o.apiServers + 1) {
    const p = await freePort(o.listen);
    if (!ports.includes(p)) ports.push(p);
  }
  return ports;
}

export async function startHa(o: HaOptions): Promise<RunningHa> {
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  // Nothing else may run on this data dir: taken alone for a moment, then left to the API servers, which share it.
  lockDataDir(o.dataDir).release();
  const logDir = join(o.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const host = o.listen === '0.0.0.0' || o.listen === '::' ? '127.0.0.1' : o.listen;
  const urlOf = (port: number) => `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  /** The API servers, and the control loops (stopped first). */
  const serverChildren: SupervisedChild[] = [];
  const loopChildren: SupervisedChild[] = [];
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const nodeClients: RestClient[] = [];
  const nodeServers: RunningNodeServer[] = [];
  let etcd: RunningEtcdMembers | undefined;
  let balancer: RunningBalancer | undefined;
  const nodeLog = o.runtime === 'fake' ? createWriteStream(join(logDir, 'node.log'), { flags: 'a', mode: 0o600 }) : undefined;

  const close = async (): Promise<void> => {
    stop.abort();
    await Promise.all(nodeServers.map((s) => s.close()));
    for (const c of nodeClients) c.close();
    // Control loops first (they give up their Leases), then the API servers (they leave the kubernetes
    // Service), then etcd.
    await Promise.all(loopChildren.map((c) => c.stop()));
    await Promise.all(serverChildren.map((c) => c.stop()));
    await etcd?.stop();
    await balancer?.close();
    if (nodeLog) await new Promise<void>((r) => nodeLog.end(r));
  };

  try {
    const [balancerPort, ...serverPorts] = await pickPorts(o);
    let storageFlags = o.etcdFlags;
    if (existsSync(join(o.dataDir, 'state.db'))) o.say(`${join(o.dataDir, 'state.db')} (the SQLite store of "a-kube up" on this data dir) is not used by --ha; "a-kube storage migrate" moves its objects to etcd`);
    if (!storageFlags) {
      o.say(`etcd: starting ${etcdMembers} members (${o.etcdBinary}), data in ${join(o.dataDir, 'etcd')}`);
      etcd = await startEtcdMembers({ dataDir: o.dataDir, binary: o.etcdBinary, count: etcdMembers, logDir, say: o.say });
      storageFlags = ['--storage', `etcd://${etcd.endpoints.join(',')}`];
      o.say(`etcd: ${etcd.endpoints.join(', ')}`);
    }
    const caFile = join(o.dataDir, 'pki', 'ca.crt');
    let ca: Buffer | undefined; // made by the first API server
    const probe = readyzProbe({ ca: () => (ca ??= existsSync(caFile) ? readFileSync(caFile) : undefined) });
    balancer = await startBalancer({ host: o.listen, port: balancerPort as number, backends: serverPorts.map((port) => ({ host, port })), probe });

    const serverChild = (port: number) => {
      const child = new SupervisedChild({
        name: `API server ${urlOf(port)}`,
        command: o.self.command,
        args: [...o.self.args, 'server', '--data-dir', o.dataDir, '--port', String(port), '--listen', o.listen, ...(storageFlags as string[]), ...o.serverFlags],
        logFile: join(logDir, `server-${port}.log`),
        say: o.say,
      });
      serverChildren.push(child);
      return child;
    };
    const startServer = async (child: SupervisedChild): Promise<{ url: string; child: SupervisedChild }> => {
      child.start();
      const m = await child.waitFor(/a-kube is up at (https:\/\/\S+)/, serverStartMs);
      o.say(`${child.spec.name} is up (pid ${child.pid})`);
      return { url: m[1] as string, child };
    };
    // The first server makes the cluster's certificates and bootstrap objects; the others join it.
    const [firstPort, ...otherPorts] = serverPorts as [number, ...number[]];
    const first = await startServer(serverChild(firstPort));
    const others = await Promise.all(otherPorts.map((p) => startServer(serverChild(p))));
    const servers = [first, ...others];
    const urls = servers.map((s) => s.url);
    const balancerUrl = urlOf(balancer.port);
    const kubeconfigPath = join(o.dataDir, 'admin.kubeconfig');
    const listed = editKubeconfigServers(kubeconfigPath, { primary: balancerUrl, add: urls });
    if (listed.kind === 'refused') throw new Error(`could not list the API servers in ${kubeconfigPath}: ${listed.reason}`);

    const serverFlags = urls.flatMap((u) => ['--server', u]);
    const components: HaComponent[] = [];
    for (const kind of ['controller-manager', 'scheduler'] as const) {
      for (let i = 1; i <= replicas; i++) {
        const name = `${kind} ${i}`;
        const child = new SupervisedChild({
          name,
          command: o.self.command,
          args: [...o.self.args, kind, '--data-dir', o.dataDir, ...serverFlags, ...(kind === 'controller-manager' ? o.controllerManagerFlags : [])],
          logFile: join(logDir, `${kind}-${i}.log`),
          say: o.say,
        });
        loopChildren.push(child);
        child.start();
        components.push({ name, child });
      }
    }

    const nodeNames: string[] = [];
    if (o.runtime === 'fake') {
      const pki = await ensureClusterPki(o.dataDir);
      const name = hostname().toLowerCase();
      const serving = await kubeletServingCertificate(pki, name, [host]);
      const log = (line: string) => {
        if (nodeLog && !nodeLog.writableEnded) nodeLog.write(`${line}\n`);
      };
      const agents = await startFakeNodes({
        count: o.nodes,
        name,
        // API servers in other processes reach the node agents here, each on its own port.
        hostIP: host,
        clientFor: async (nodeName) => {
          const pair = await componentCertificate(pki, `node-${nodeName}`, `system:node:${nodeName}`, ['system:nodes']);
          const c = createRestClient({ server: urls[0] as string, fallbackServers: urls.slice(1), caData: Buffer.from(pki.ca.cert), certData: Buffer.from(pair.cert), keyData: Buffer.from(pair.key), userAgent: componentUserAgent(`node-${nodeName}`) });
          nodeClients.push(c);
          return c;
        },
        signal: stop.signal,
        log,
        serve: async (nodeName, runtime, client) => {
          nodeNames.push(nodeName);
          const server = await startLocalNodeServer({ nodeName, client, runtime, runtimeName: 'fake', tls: { ...serving, clientCA: pki.ca.cert }, host, log });
          nodeServers.push(server);
          return server.port;
        },
      });
      await Promise.all(agents.map((a) => a.ready));
    }
    return { balancerUrl, servers, components, ...(etcd ? { etcd } : {}), nodeNames, kubeconfigPath, logDir, close };
  } catch (e) {
    await close();
    throw e;
  }
}
