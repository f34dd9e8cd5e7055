// `a-kube node join`: a node on another machine joins a cluster with a bootstrap token, as `kubeadm join` and the
// kubelet's TLS bootstrap do it together — discovery of the server and CA (cluster-info, JWS, CA pin), a client
// certificate for system:node:<name> through a CertificateSigningRequest made with the token, the node's own
// kubeconfig under its data dir — then registers the Node and runs the node agent and its HTTPS server (logs, exec,
// attach, port-forward for the API server) with a serving certificate it also gets through a CSR, renewing both
// certificates before they expire. A restart with the data dir finds the stored credentials and skips the token.
import { parseArgs } from 'node:util';
import { homedir, hostname, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { parseBootstrapToken } from '../../api/bootstrap-token.js';
import { isRecord, type KubeObject } from '../../api/object.js';
import { formatCidr, parseCidr, parseIPv4 } from '../../api/ipv4.js';
import { defaultClusterCidr } from '../../api/cluster-network.js';
import { isAlreadyExists, isNotFound } from '../../client/api-error.js';
import { createRestClient, type RestClient } from '../../client/rest.js';
import { SwappableRestClient } from '../../client/swappable.js';
import { pathFor, R } from '../../client/control/resources.js';
import { parseCaHash, type KeyPairPem } from '../../pki/index.js';
import { startNodeAgent, type RunningNodeAgent } from '../agent.js';
import { startJoinedContainerdNode } from './containerd-join.js';
import { holdOpen } from '../hold-open.js';
import { parseLogRotationFlags } from '../logs/policy.js';
import { parseShutdownGracePeriodFlags, shutdownBoundMs } from '../shutdown-periods.js';
import { nodeAddresses, nodeObject } from '../node-status.js';
import { FakeRuntime } from '../runtime/fake.js';
import { startLocalNodeServer } from '../server/index.js';
import { requestNodeClientCertificate } from './client-certificate.js';
import { certificateInfo, loadNodeCredentials, nodeKubeconfigPath, storeNodeCredentials, type NodeCredentials } from './credentials.js';
import { discoverCluster, DiscoveryError } from './discovery.js';
import { runCertificateRotation } from './rotation.js';
import { runServingCertificate } from './serving.js';

export const joinUsage = `Join a cluster from this machine and run a node there.

The node finds the API server and its CA through the cluster's kube-public/cluster-info ConfigMap: it reads
it without trusting the server yet, checks that it is signed with the token and that its CA has the pinned
public-key hash, then asks the cluster for its own client certificate (system:node:NAME) with the token.
The cluster approves that request automatically; the node stores its credentials in DIR (DIR/kubelet.kubeconfig,
DIR/pki/), registers its Node and runs pods bound to it, and renews its certificate before it expires.
Pods on different nodes reach each other directly: each node routes every other node's pod CIDR to that node's
InternalIP, so the machines must share a link (as with flannel's host-gw backend); start the control plane with
--node-ip set to its address on that link.
The node serves the API server (kubectl logs, exec, attach, port-forward) on --kubelet-port with a serving
certificate it asks the cluster for in the same way, naming its host name and --node-ip; the cluster approves
that request when the names are the Node's own addresses.
Get the command with the token and hash on the control-plane machine: a-kube token create --print-join-command

Usage:
  a-kube node join --server URL --token ID.SECRET --discovery-token-ca-cert-hash sha256:HEX [options]
  a-kube node join [--data-dir DIR]   (again, after a restart: the stored credentials are used)

Options:
  --server URL            The API server, e.g. https://10.0.0.1:6443
  --token ID.SECRET       A bootstrap token ("a-kube token create")
  --discovery-token-ca-cert-hash sha256:HEX
                          The SHA-256 of the cluster CA's public key (DER SubjectPublicKeyInfo); may be repeated
  --discovery-token-unsafe-skip-ca-verification
                          Trust whatever CA cluster-info names, checking only the token's signature (anyone who
                          can pose as the server and knows the token can then impersonate the cluster)
  --discovery-timeout DURATION
                          How long to keep trying to reach the server and find the token's signature (default: 5m)
  --name NAME             The node's name (default: this machine's host name)
  --data-dir DIR          Where the node keeps its credentials and state (default: ~/.a-kube-node)
  --runtime KIND          containerd (real containers: a containerd of the node's own under DIR, the pod bridge
                          akube0 from the Node's pod CIDR, routes to the other nodes' pod CIDRs, the Service
                          and NetworkPolicy rules; needs root, containerd, runc and the CNI plugins, else the
                          node is NotReady and says what is missing) or fake (simulated pods: Running with
                          addresses, no processes) (default: containerd)
  --cluster-cidr CIDR     The cluster's pod range, as given to a-kube up: traffic between pods inside it is
                          routed unchanged, traffic leaving it is masqueraded (default: 10.244.0.0/16)
  --node-ip ADDRESS       The node's address (default: this machine's first non-loopback IPv4 address). With
                          --runtime containerd the other nodes route this node's pods to it, so it must be on
                          a link they share
  --kubelet-port N        The port of the node's HTTPS server on every address; 0 picks a free one (default: 10250)
  --container-log-max-size SIZE
                          Rotate a running container's log file once it reaches this size, checked every 10 s
                          (default: 10Mi); the runtime then writes a new file and older ones are gzip-compressed
  --container-log-max-files N
                          Log files kept per container, the one being written included (default: 5; at least 2)
  --shutdown-grace-period DURATION
                          On SIGINT/SIGTERM (--runtime containerd), the time the node's pods get to stop
                          (default: 30s), critical pods last; then every sandbox, volume and log directory is
                          removed before the node exits
  --shutdown-grace-period-critical-pods DURATION
                          The last part of --shutdown-grace-period, kept for critical pods (default: a third of it)
  --cpu QUANTITY          Allocatable CPU (default: 8)
  --memory QUANTITY       Allocatable memory (default: 32Gi)
  --max-pods N            Pods the node accepts (default: 110)
  -h, --help              Show this help

Examples:
  a-kube node join --server https://10.0.0.1:6443 --token abcdef.0123456789abcdef \\
    --discovery-token-ca-cert-hash sha256:1b2c...
`;

class JoinError extends Error {}

function userAgent(): string {
  return `kubelet/v1.32.0 (${process.platform}/${process.arch}) a-kube`;
}

function firstExternalIPv4(): string | undefined {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

function nodeClient(c: NodeCredentials, pair: KeyPairPem): RestClient {
  return createRestClient({ server: c.server, caData: Buffer.from(c.caPem), certData: Buffer.from(pair.cert), keyData: Buffer.from(pair.key), userAgent: userAgent() });
}

function parseDuration(v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const m = /^(\d+)(s|m|h)$/.exec(v);
  if (!m) throw new JoinError(`invalid --discovery-timeout "${v}": use a duration such as 90s, 5m or 1h`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 3_600_000);
}

/** Bootstrap: discovery, a refusal when a Ready node already has the name, the CSR made with the token. */
async function bootstrap(o: { server: string; token: string; hashes: string[]; unsafe: boolean; timeoutMs: number; name: string; dataDir: string; signal: AbortSignal; log: (l: string) => void }): Promise<NodeCredentials> {
  const token = parseBootstrapToken(o.token);
  if (!token) throw new JoinError(`the bootstrap token "${o.token}" was not of the form "[a-z0-9]{6}.[a-z0-9]{16}"`);
  const cluster = await discoverCluster({ server: o.server, token, caHashes: o.hashes, unsafeSkipCAVerification: o.unsafe, timeoutMs: o.timeoutMs, signal: o.signal, log: o.log });
  o.log(`cluster found: API server ${cluster.server}`);
  const client = createRestClient({ server: cluster.server, caData: Buffer.from(cluster.caPem), token: o.token, userAgent: userAgent() });
  try {
    try {
      const existing = await client.get<KubeObject>(pathFor(R.nodes, undefined, o.name));
      const conditions = isRecord(existing['status']) && Array.isArray(existing['status']['conditions']) ? (existing['status']['conditions'] as unknown[]) : [];
      if (conditions.some((c) => isRecord(c) && c['type'] === 'Ready' && c['status'] === 'True')) {
        throw new JoinError(`a Node with name "${o.name}" and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node (--name)`);
      }
    } catch (e) {
      // Not found is the usual case; a token without the right to look is not a reason to stop.
      if (e instanceof JoinError) throw e;
      if (!isNotFound(e)) o.log(`could not check for an existing node "${o.name}": ${e instanceof Error ? e.message : String(e)}`);
    }
    const pair = await requestNodeClientCertificate(client, { nodeName: o.name, naming: 'digest', signal: o.signal, log: o.log });
    const creds = { server: cluster.server, caPem: cluster.caPem, pair: { cert: pair.cert, key: pair.key } };
    storeNodeCredentials(o.dataDir, creds);
    o.log(`client certificate for system:node:${o.name} issued through ${pair.requestName}; credentials in ${nodeKubeconfigPath(o.dataDir)}`);
    return creds;
  } finally {
    client.close();
  }
}

/** Creates the Node (if new) and waits for the cluster to give it a pod address block. */
async function podCidrFor(client: RestClient, name: string, signal: AbortSignal): Promise<string> {
  const node = nodeObject({ name, hostIP: '', podCIDR: '', cpu: '0', memory: '0', maxPods: 0, kubeletVersion: '', runtimeVersion: '' });
  node['spec'] = {};
  try {
    await client.create(pathFor(R.nodes), node);
  } catch (e) {
    if (!isAlreadyExists(e)) throw e;
  }
  const deadline = Date.now() + 60_000;
  while (!signal.aborted) {
    const current = await client.get<KubeObject>(pathFor(R.nodes, undefined, name));
    const cidr = isRecord(current['spec']) ? current['spec']['podCIDR'] : undefined;
    if (typeof cidr === 'string' && cidr !== '') return cidr;
    if (Date.now() > deadline) throw new JoinError(`node ${name} has no pod address block (spec.podCIDR) after 60 s: is the cluster's node IPAM controller running ("a-kube up" runs it)?`);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new JoinError('stopped');
}

export async function joinCommand(args: string[]): Promise<void> {
  const log = (line: string) => process.stderr.write(`a-kube node: ${line}\n`);
  try {
    const { values } = parseArgs({
      args,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        'discovery-token-ca-cert-hash': { type: 'string', multiple: true },
        'discovery-token-unsafe-skip-ca-verification': { type: 'boolean' },
        'discovery-timeout': { type: 'string' },
        name: { type: 'string' },
        'data-dir': { type: 'string' },
        runtime: { type: 'string' },
        'cluster-cidr': { type: 'string' },
        'node-ip': { type: 'string' },
        cpu: { type: 'string' },
        memory: { type: 'string' },
        'max-pods': { type: 'string' },
        'kubelet-port': { type: 'string' },
        'container-log-max-size': { type: 'string' },
        'container-log-max-files': { type: 'string' },
        'shutdown-grace-period': { type: 'string' },
        'shutdown-grace-period-critical-pods': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      process.stdout.write(joinUsage);
      return;
    }
    const runtimeKind = values.runtime ?? 'containerd';
    if (runtimeKind !== 'containerd' && runtimeKind !== 'fake') throw new JoinError(`invalid --runtime "${runtimeKind}": use containerd or fake`);
    const clusterCidr = values['cluster-cidr'] ?? defaultClusterCidr;
    const parsedClusterCidr = parseCidr(clusterCidr);
    if (!parsedClusterCidr) throw new JoinError(`invalid --cluster-cidr "${clusterCidr}": use an IPv4 CIDR such as 10.244.0.0/16`);
    const name = (values.name ?? hostname()).toLowerCase();
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name) || name.length > 253) throw new JoinError(`invalid --name "${name}": a node name is a DNS subdomain (lower-case letters, digits, '-' and '.')`);
    const hashes: string[] = [];
    for (const h of values['discovery-token-ca-cert-hash'] ?? []) {
      const parsed = parseCaHash(h);
      if (!parsed) throw new JoinError(`invalid --discovery-token-ca-cert-hash "${h}": use sha256: followed by 64 hex digits`);
      hashes.push(parsed);
    }
    const nodeIP = values['node-ip'] ?? firstExternalIPv4() ?? '127.0.0.1';
    if (parseIPv4(nodeIP) === undefined) throw new JoinError(`invalid --node-ip "${nodeIP}": use an IPv4 address`);
    const maxPods = Number(values['max-pods'] ?? '110');
    if (!Number.isInteger(maxPods) || maxPods < 1) throw new JoinError(`invalid --max-pods "${values['max-pods']}": use a positive number`);
    const kubeletPort = Number(values['kubelet-port'] ?? '10250');
    if (!/^\d+$/.test(values['kubelet-port'] ?? '10250') || kubeletPort > 65535) throw new JoinError(`invalid --kubelet-port "${values['kubelet-port']}": use a port number (0 for any free port)`);
    const logRotation = parseLogRotationFlags(values['container-log-max-size'], values['container-log-max-files']);
    if ('error' in logRotation) throw new JoinError(logRotation.error);
    const shutdownGracePeriods = parseShutdownGracePeriodFlags(values['shutdown-grace-period'], values['shutdown-grace-period-critical-pods']);
    if ('error' in shutdownGracePeriods) throw new JoinError(shutdownGracePeriods.error);
    const dataDir = resolve(values['data-dir'] ?? join(homedir(), '.a-kube-node'));
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });

    const stop = new AbortController();
    // Real pods get their shutdown budget and the clean-up after it (shutdownBoundMs), then the node's network goes.
    const exitAfterMs = runtimeKind === 'containerd' ? shutdownBoundMs(shutdownGracePeriods) + 5000 : 2000;
    const shutdown = (signal: string) => {
      log(`${signal}: shutting down`);
      stop.abort();
      setTimeout(() => {
        if (runtimeKind === 'containerd') log(`shutdown did not finish within ${exitAfterMs / 1000} s; exiting`);
        process.exit(runtimeKind === 'containerd' ? 1 : 0);
      }, exitAfterMs).unref();
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    const release = holdOpen(stop.signal);

    let creds = loadNodeCredentials(dataDir);
    if (creds) {
      const info = certificateInfo(creds.pair.cert);
      const sameNode = info.subject.split('\n').includes(`CN=system:node:${name}`);
      if (!sameNode) throw new JoinError(`the credentials in ${dataDir} are not for node "${name}" (${info.subject.replace(/\n/g, ', ')}): use their --name, or another --data-dir`);
      if (info.notAfter <= Date.now()) {
        log(`the stored client certificate expired at ${new Date(info.notAfter).toISOString()}; joining again with the token`);
        creds = undefined;
      } else {
        log(`using the stored credentials in ${nodeKubeconfigPath(dataDir)} (API server ${creds.server})`);
      }
    }
    if (!creds) {
      if (!values.server || !values.token) throw new JoinError('--server and --token are needed to join (this data dir holds no usable credentials yet); "a-kube token create --print-join-command" on the control-plane machine prints the whole command');
      creds = await bootstrap({ server: values.server, token: values.token, hashes, unsafe: values['discovery-token-unsafe-skip-ca-verification'] === true, timeoutMs: parseDuration(values['discovery-timeout'], 5 * 60_000), name, dataDir, signal: stop.signal, log });
    }
    const stored = creds;
    const client = new SwappableRestClient(nodeClient(stored, stored.pair));
    const podCIDR = await podCidrFor(client, name, stop.signal);
    let closeNode: () => Promise<void>;
    let agent: RunningNodeAgent;
    let server: { port: number; setServingCertificate(pair: KeyPairPem): void };
    if (runtimeKind === 'containerd') {
      const real = await startJoinedContainerdNode({ name, dataDir, client, nodeIP, podCIDR, clusterCidr: formatCidr(parsedClusterCidr), caPem: stored.caPem, kubeletPort, logRotation, shutdownGracePeriods, signal: stop.signal, log });
      ({ agent } = real.node);
      server = real.server;
      closeNode = () => real.close();
      if (real.node.problem) log(`node ${name} is NotReady: ${real.node.problem}`);
    } else {
      const runtime = new FakeRuntime({ podCIDR });
      // Listening before the Node registers, so that it reports the port; the certificate comes once it has.
      const fakeServer = await startLocalNodeServer({ nodeName: name, client, runtime, runtimeName: 'fake', tls: { clientCA: stored.caPem }, host: '0.0.0.0', port: kubeletPort, log });
      server = fakeServer;
      agent = startNodeAgent({ name, hostIP: nodeIP, podCIDR, cpu: values.cpu ?? '8', memory: values.memory ?? '32Gi', maxPods, client, runtime, kubeletPort: fakeServer.port, signal: stop.signal, log });
      closeNode = async () => {
        await agent.done;
        await fakeServer.close();
      };
    }
    await agent.ready;
    log(`node ${name} registered with ${stored.server} (pods ${podCIDR}, runtime ${runtimeKind}, serving on port ${server.port})`);
    void runServingCertificate({ nodeName: name, addresses: nodeAddresses({ name, hostIP: nodeIP }), dataDir, client, use: (pair) => server.setServingCertificate(pair), signal: stop.signal, log });
    void runCertificateRotation({
      what: 'client certificate',
      current: stored.pair,
      request: (signal) => requestNodeClientCertificate(client, { nodeName: name, naming: 'generate', signal, log }),
      install: (pair) => {
        storeNodeCredentials(dataDir, { ...stored, pair });
        client.swap(nodeClient(stored, pair));
      },
      signal: stop.signal,
      log,
    });
    await closeNode();
    release();
  } catch (e) {
    if (e instanceof JoinError || e instanceof DiscoveryError || (e instanceof Error && e.name === 'CertificateRequestError') || (e instanceof TypeError && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}
