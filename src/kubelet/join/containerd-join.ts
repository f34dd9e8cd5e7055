// A joined node with real containers: what `a-kube up` sets up for its local node, here in the joined machine's
// own network namespace and data dir — the pod bridge from the Node's spec.podCIDR with forwarding and egress
// masquerade (pod-network.ts), routes to every other node's pod CIDR (routes.ts), the service proxy's iptables
// rules for ClusterIP and NodePort Services, the network-policy agent for this node's pods, and containerd run as a child with its config, root, state and
// sockets under the data dir (containerd-node.ts). Pods resolve names through the cluster's kube-dns Service: the
// proxy on this node sends 10.96.0.10 to the DNS server on the control-plane node's bridge, over the pod routes.
// Without root or the runtime's packages the node still registers, NotReady with the reason, and the machine's
// network is left alone.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { isNotFound } from '../../client/api-error.js';
import type { RestClient } from '../../client/rest.js';
import { cniBinDir, startContainerdNode, type ContainerdNode } from '../containerd-node.js';
import { checkRuntimeDeps } from '../containerd/deps.js';
import type { LogRotationPolicy } from '../logs/policy.js';
import { removeNodeNetworkSync } from '../network/cleanup.js';
import type { ClusterDnsSettings } from '../network/dns-config.js';
import { defaultBridgeName, setUpPodNetwork, type PodNetwork } from '../network/pod-network.js';
import { PolicyAgent } from '../network/policy/agent.js';
import { ServiceProxy } from '../network/proxy/proxier.js';
import { createEventRecorder } from '../../client/control/events.js';
import { PodRoutes } from '../network/routes.js';
import type { ShutdownGracePeriods } from '../shutdown-periods.js';
import type { RunningNodeServer } from '../server/index.js';
import { startLocalNodeServer } from '../server/index.js';

export interface JoinedContainerdNodeOptions {
  name: string;
  dataDir: string;
  client: RestClient;
  /** The node's InternalIP, where other nodes route this node's pods to. */
  nodeIP: string;
  podCIDR: string;
  /** The cluster's pod range (must be the control plane's --cluster-cidr). */
  clusterCidr: string;
  caPem: string;
  kubeletPort: number;
  logRotation?: LogRotationPolicy;
  shutdownGracePeriods?: ShutdownGracePeriods;
  signal: AbortSignal;
  log: (line: string) => void;
}

export interface JoinedContainerdNode {
  node: ContainerdNode;
  server: RunningNodeServer;
  /** Stops the pods (the signal aborted first), containerd, the rules, routes and the bridge. */
  close(): Promise<void>;
}

/** Where the cluster's DNS server answers (the kube-dns endpoint), for policies that allow DNS by kube-dns's labels. */
async function clusterDnsEndpoint(client: RestClient): Promise<string | undefined> {
  const ep = await client.get<KubeObject>('/api/v1/namespaces/kube-system/endpoints/kube-dns').catch(() => undefined);
  const subsets = ep && Array.isArray(ep['subsets']) ? (ep['subsets'] as unknown[]) : [];
  for (const subset of subsets) {
    const addresses = isRecord(subset) && Array.isArray(subset['addresses']) ? subset['addresses'] : [];
    for (const a of addresses) if (isRecord(a) && typeof a['ip'] === 'string') return a['ip'];
  }
  return undefined;
}

/** The cluster DNS settings for pods, from the kube-dns Service when the cluster has one. */
async function clusterDnsOf(client: RestClient, log: (line: string) => void): Promise<ClusterDnsSettings | undefined> {
  try {
    const svc = await client.get<KubeObject>('/api/v1/namespaces/kube-system/services/kube-dns');
    const ip = isRecord(svc['spec']) ? svc['spec']['clusterIP'] : undefined;
    if (typeof ip === 'string' && ip !== '' && ip !== 'None') return { clusterDns: [ip], clusterDomain: 'cluster.local' };
  } catch (e) {
    if (!isNotFound(e)) log(`could not read the kube-dns Service: ${e instanceof Error ? e.message : String(e)}`);
  }
  log('the cluster has no kube-dns Service: pods use this machine\'s resolvers');
  return undefined;
}

export async function startJoinedContainerdNode(o: JoinedContainerdNodeOptions): Promise<JoinedContainerdNode> {
  const problem = checkRuntimeDeps(cniBinDir).problem;
  let network: PodNetwork | undefined;
  let routes: PodRoutes | undefined;
  let proxy: ServiceProxy | undefined;
  let policy: PolicyAgent | undefined;
  let lastResort: (() => void) | undefined;
  const undoNetwork = async () => {
    await policy?.stop().catch((e: unknown) => o.log(`network policy: ${String(e)}`));
    await proxy?.stop().catch((e: unknown) => o.log(`service proxy: ${String(e)}`));
    await routes?.stop();
    await network?.teardown();
    if (lastResort) process.off('exit', lastResort);
  };
  if (!problem) {
    try {
      network = await setUpPodNetwork({ bridge: defaultBridgeName, podCidr: o.podCIDR, clusterCidr: o.clusterCidr, owner: `node ${o.name}, data dir ${o.dataDir}` });
      const bridge = network.bridge;
      lastResort = () => removeNodeNetworkSync(bridge);
      process.once('exit', lastResort);
      o.log(`pod network: bridge ${network.bridge} ${network.gateway} (${network.podCidr} of ${network.clusterCidr})`);
      routes = new PodRoutes({ client: o.client, nodeName: o.name, log: o.log });
      await routes.start(o.signal);
      o.log(`pod routes: ${routes.desired().map((r) => `${r.cidr} via ${r.via} (${r.node})`).join(', ') || 'no other nodes yet'}`);
      proxy = new ServiceProxy({ client: o.client, nodeName: o.name, clusterCidr: o.clusterCidr, log: o.log });
      await proxy.start(o.signal);
      o.log('service proxy: iptables rules in sync');
      const dnsIP = await clusterDnsEndpoint(o.client);
      policy = new PolicyAgent({
        client: o.client,
        nodeName: o.name,
        bridge: network.bridge,
        ...(dnsIP ? { clusterDnsIP: dnsIP } : {}),
        recorder: createEventRecorder({ client: o.client, component: 'a-kube-network-policy', host: o.name, log: o.log }),
        log: o.log,
      });
      await policy.start(o.signal);
      o.log(policy.bridgeNetfilter?.enabled === false ? 'network policies: enforced for traffic that leaves the node or reaches it, NOT between pods on this node' : 'network policies: iptables rules in sync');
    } catch (e) {
      await undoNetwork();
      throw e;
    }
  }
  const clusterDns = problem ? undefined : await clusterDnsOf(o.client, o.log);
  let server: RunningNodeServer | undefined;
  const node = await startContainerdNode({
    name: o.name,
    dataDir: o.dataDir,
    client: o.client,
    signal: o.signal,
    log: o.log,
    podCIDR: o.podCIDR,
    hostIP: o.nodeIP,
    ...(clusterDns ? { clusterDns } : {}),
    ...(o.logRotation ? { logRotation: o.logRotation } : {}),
    ...(o.shutdownGracePeriods ? { shutdownGracePeriods: o.shutdownGracePeriods } : {}),
    // Listening before the Node registers, so that it reports the port; the certificate comes once it has.
    serve: async (nodeName, runtime, client, streaming, logDirectory) => {
      server = await startLocalNodeServer({ nodeName, client, runtime, runtimeName: 'containerd', streaming, logDirectory, logPath: async (id) => (await runtime.containerStatus(id).catch(() => undefined))?.logPath, tls: { clientCA: o.caPem }, host: '0.0.0.0', port: o.kubeletPort, log: o.log });
      return server.port;
    },
  }).catch(async (e: unknown) => {
    await undoNetwork();
    throw e;
  });
  if (!server) throw new Error('the node server did not start');
  const running = server;
  return {
    node,
    server: running,
    async close() {
      await node.close();
      await running.close();
      await undoNetwork();
    },
  };
}
