// The local node of `a-kube up` on containerd: checks the machine, writes the CNI and containerd
// configuration, runs containerd as a supervised child (or uses --container-runtime-endpoint), makes sure the
// pause image is there, and starts the node agent on the CRI runtime.
import type { KubeObject } from '../api/object.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { RestClient } from '../client/rest.js';
import { realClock } from '../client/workqueue.js';
import { startNodeAgent, type RunningNodeAgent } from './agent.js';
import { containerdPaths, renderContainerdConfig } from './containerd/config.js';
import { checkRuntimeDeps } from './containerd/deps.js';
import { overlaySupported } from './containerd/snapshotter.js';
import { ContainerdSupervisor, waitForCri } from './containerd/supervisor.js';
import type { DnsConfig } from './cri/types.js';
import { importImageArchive } from './images/import.js';
import { buildPauseArchive, pauseImage } from './images/pause.js';
import { runContainerLogManager } from './logs/manager.js';
import { defaultLogRotationPolicy, type LogRotationPolicy } from './logs/policy.js';
import { machineResources } from './machine.js';
import type { ShutdownGracePeriods } from './shutdown-periods.js';
import { writeCniConfig } from './network/cni-config.js';
import { podResolvConf, type ClusterDnsSettings } from './network/dns-config.js';
import type { StreamingService } from './server/types.js';
import { quantityValue } from './downward.js';
import { ContainerdRuntime } from './runtime/containerd.js';
import { ObjectWatcher } from './volumes/object-watch.js';
import { VolumeManager } from './volumes/manager.js';

export interface ContainerdNodeOptions {
  name: string;
  dataDir: string;
  client: RestClient;
  signal: AbortSignal;
  log: (line: string) => void;
  /** unix:///… of a containerd to use instead of starting one. */
  endpoint?: string;
  keepPods?: boolean;
  /** --shutdown-grace-period / --shutdown-grace-period-critical-pods (default 30 s, 10 s of it for critical pods). */
  shutdownGracePeriods?: ShutdownGracePeriods;
  /** --container-log-max-size / --container-log-max-files (default 10Mi and 5). */
  logRotation?: LogRotationPolicy;
  podCIDR?: string;
  /** The pods' resolver (cluster DNS); the host's nameservers when absent. */
  dns?: DnsConfig;
  /** Cluster DNS is running: each pod's resolver follows its dnsPolicy/dnsConfig (nameserver 10.96.0.10, ndots:5). */
  clusterDns?: ClusterDnsSettings;
  /** The node's InternalIP (default: the machine's first non-loopback IPv4 address). */
  hostIP?: string;
  /** Starts the node agent's HTTPS server (logs, exec, attach, port-forward) and returns its port. */
  serve?(nodeName: string, runtime: ContainerdRuntime, client: RestClient, streaming: StreamingService, logDirectory: string): Promise<number>;
}

export interface ContainerdNode {
  agent: RunningNodeAgent;
  runtime: ContainerdRuntime;
  /** The CRI socket path. */
  socket: string;
  /** Set when containers cannot run here; the node is NotReady with this message. */
  problem?: string;
  /** Waits for the agent to stop its pods (signal aborted first), then stops containerd. */
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The first non-loopback IPv4 address of the machine. */
export function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

/** A pod's CRI DNS config from its dnsPolicy, the host's resolv.conf (read at each pod start) and cluster DNS. */
function clusterPodDns(cluster: ClusterDnsSettings): (pod: KubeObject) => DnsConfig {
  return (pod) => {
    let text = '';
    try {
      text = readFileSync('/etc/resolv.conf', 'utf8');
    } catch {
      text = '';
    }
    const c = podResolvConf(pod, text, cluster);
    return { servers: c.nameservers, searches: c.searches, options: c.options };
  };
}

/** Nameservers and search path of the host, for pods until cluster DNS exists. */
function hostDns(): DnsConfig {
  let text = '';
  try {
    text = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    text = '';
  }
  const servers = [...text.matchAll(/^nameserver\s+(\S+)/gm)].map((m) => m[1] ?? '').filter((s) => s && !s.startsWith('127.'));
  const searches = (/^search\s+(.+)$/m.exec(text)?.[1] ?? '').split(/\s+/).filter(Boolean);
  return { servers: servers.length ? servers : ['1.1.1.1'], searches, options: [] };
}

export const cniBinDir = '/usr/lib/cni';
const defaultPodCIDR = '10.244.0.0/24';

/** DATA_DIR/cni/net.d: the CNI conf_dir containerd is configured with. */
export function cniConfDir(dataDir: string): string {
  return join(dataDir, 'cni', 'net.d');
}

/** exec/attach/port-forward URLs on containerd's streaming server, for the node agent's HTTPS server. */
function criStreaming(runtime: ContainerdRuntime): StreamingService {
  return {
    exec: (containerId, command, o) => runtime.cri.exec({ container_id: containerId, cmd: command, tty: o.tty, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr }),
    attach: (containerId, o) => runtime.cri.attach({ container_id: containerId, tty: o.tty, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr }),
    portForward: (sandboxId, ports) => runtime.cri.portForward(sandboxId, ports),
  };
}

export async function startContainerdNode(o: ContainerdNodeOptions): Promise<ContainerdNode> {
  const paths = containerdPaths(o.dataDir);
  const podCIDR = o.podCIDR ?? defaultPodCIDR;
  let problem: string | undefined;
  let supervisor: ContainerdSupervisor | undefined;
  let socket = o.endpoint ? o.endpoint.replace(/^unix:\/\//, '') : paths.socket;
  writeCniConfig(cniConfDir(o.dataDir), { podCidr: podCIDR, ipamDataDir: join(o.dataDir, 'cni', 'ipam') });
  if (o.endpoint) {
    try {
      await waitForCri(socket, 10_000);
    } catch (e) {
      problem = `cannot reach the container runtime at ${o.endpoint}: ${e instanceof Error ? e.message : String(e)}`;
    }
  } else {
    const deps = checkRuntimeDeps(cniBinDir);
    problem = deps.problem;
    if (!problem && deps.containerd) {
      mkdirSync(paths.dir, { recursive: true, mode: 0o711 });
      mkdirSync(paths.registryConfig, { recursive: true });
      const snapshotter = overlaySupported(paths.dir) ? 'overlayfs' : 'native';
      writeFileSync(paths.config, renderContainerdConfig({ paths, sandboxImage: pauseImage, snapshotter, cniBinDir, cniConfDir: cniConfDir(o.dataDir), streamPort: await freePort() }));
      supervisor = new ContainerdSupervisor({ binary: deps.containerd, paths, log: o.log });
      try {
        await supervisor.start();
        o.log(`containerd running (snapshotter ${snapshotter}, socket ${paths.socket}, log ${paths.log})`);
        const runtime = new ContainerdRuntime({ endpoint: paths.socket });
        if (!(await runtime.imageStatus(pauseImage))) {
          await importImageArchive({ socket: paths.socket, archive: buildPauseArchive(join(o.dataDir, 'cache')), snapshotter });
          o.log(`pause image ${pauseImage} built and imported`);
        }
        runtime.close();
      } catch (e) {
        problem = e instanceof Error ? e.message : String(e);
      }
    }
    socket = paths.socket;
  }
  if (problem) o.log(`containers cannot run on this node: ${problem}`);

  const runtime = new ContainerdRuntime({ endpoint: socket });
  const m = machineResources(o.dataDir);
  // Mounted configMaps and secrets are watched one by one, so their volumes follow changes within moments.
  const watcher = new ObjectWatcher({ client: o.client, signal: o.signal, clock: realClock, log: o.log });
  const volumes = new VolumeManager({ client: o.client, dataDir: o.dataDir, clock: realClock, nodeAllocatable: { cpu: Number(m.cpu), memory: quantityValue(m.machine.allocatableMemory) }, watcher });
  const kubeletPort = o.serve ? await o.serve(o.name, runtime, o.client, criStreaming(runtime), join(o.dataDir, 'pod-logs')) : undefined;
  const agent = startNodeAgent({
    name: o.name,
    hostIP: o.hostIP ?? hostAddress(),
    ...(kubeletPort !== undefined ? { kubeletPort } : {}),
    podCIDR,
    cpu: m.cpu,
    memory: m.memory,
    maxPods: 110,
    machine: m.machine,
    client: o.client,
    runtime,
    signal: o.signal,
    log: o.log,
    real: { dataDir: o.dataDir, volumes, nodeAllocatable: { cpu: Number(m.cpu), memory: quantityValue(m.machine.allocatableMemory) }, dns: o.dns ?? hostDns(), ...(o.clusterDns ? { podDns: clusterPodDns(o.clusterDns) } : {}) },
    ...(o.keepPods ? { keepPods: true } : {}),
    ...(o.shutdownGracePeriods ? { shutdownGracePeriods: o.shutdownGracePeriods } : {}),
    ...(problem ? { runtimeProblem: problem } : {}),
  });
  // Container logs are rotated by size while the node runs (CRI ReopenContainerLog).
  const logManager = problem ? Promise.resolve() : runContainerLogManager({ runtime, policy: o.logRotation ?? defaultLogRotationPolicy, clock: realClock, log: o.log }, o.signal);
  return {
    agent,
    runtime,
    socket,
    ...(problem ? { problem } : {}),
    async close() {
      await agent.done.catch(() => undefined);
      await logManager;
      runtime.close();
      await supervisor?.stop();
    },
  };
}
