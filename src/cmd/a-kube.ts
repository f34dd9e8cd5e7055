// The a-kube executable: runs the cluster's processes (`up`, or `server`, `controller-manager`, `scheduler` and `node` apart).
import './disable-proto.js';
import './open-files.js';
import './regexp-fallback.js';
import { parseArgs } from 'node:util';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseIPv4 } from '../api/ipv4.js';
import { startHeapReturn } from './heap-return.js';
import { parseLogRotationFlags } from '../kubelet/logs/policy.js';
import { parseShutdownGracePeriodFlags, shutdownBoundMs } from '../kubelet/shutdown-periods.js';
import { fail, parseAuditFlags, parseAuthorizationMode, parseBool, parseClusterCidr, parseDurationFlag, parseLimit, parseNodeIP, parseNodes, parseRequestHeaderFlags, parseRuntime, parseThreshold, parseTokenExpirationCap, storageFlags } from './up-flags.js';

const usage = `a-kube runs a Kubernetes-compatible cluster.

Usage:
  a-kube up [options]      Start a whole cluster in one process (API server with embedded SQLite);
                           with --ha, a highly available control plane on etcd to try fail-over.
  a-kube server [options]  Run only the API server (no controllers, scheduler or nodes), e.g. on etcd.
  a-kube controller-manager [options]
                           Run the controllers alone, leader-elected, against API servers (e.g. several on etcd).
  a-kube scheduler [options]
                           Run the scheduler alone, leader-elected, against API servers.
  a-kube node [options]    Run node agents (simulated: --runtime fake --nodes N) against a cluster.
  a-kube node join [options]
                           Join a cluster from another machine with a bootstrap token, then run the node.
  a-kube token CMD         Create, list and delete bootstrap tokens for nodes that join.
  a-kube image CMD         Import (archives), list and remove the local node's images.
  a-kube storage CMD       Migrate objects between SQLite and etcd; back up and restore a store.
  a-kube console [options] Serve the web console for a cluster a kubeconfig names (a-kube up serves its own).
  a-kube audit default-policy
                           Print the built-in audit policy (a starting point for --audit-policy-file).
  a-kube version           Print the version.
  a-kube help [command]    Show help.

Run "a-kube <command> --help" for a command's options.
`;

const auditUsage = `The audit log a-kube up writes (audit.k8s.io/v1 events, one JSON line each, in DIR/audit.log by default):
the policy it records with.

Usage:
  a-kube audit default-policy   Print the built-in audit policy: what a-kube up records unless --audit-policy-file
                                names another; a starting point for one's own

The log itself is set up with "a-kube up" (--audit-log-path, --audit-policy-file, --audit-log-maxsize,
--audit-log-maxbackup, --audit-log-maxage, --audit-webhook-config-file; see "a-kube up --help").
`;

const upUsage = `Start a whole cluster in one process: the API server (HTTPS, HTTP/2) on embedded SQLite (or etcd).
On first start it creates a cluster CA, serving and admin certificates and a service-account signing key
in DIR/pki, and writes DIR/admin.kubeconfig; a restart reuses them and the stored data.

Usage:
  a-kube up [options]

Options:
  --data-dir DIR          Where state, keys and the admin kubeconfig live (default: ~/.a-kube)
  --port PORT             HTTPS port of the API server (default: 6443; 0 picks a free port)
  --listen ADDRESS        Address to listen on (default: 127.0.0.1; 0.0.0.0 for nodes on other machines)
  --advertise-address ADDRESS
                          The address other machines reach the API server at: published to joining nodes in
                          kube-public/cluster-info, put in the serving certificate and, when given, in the
                          kubernetes Service for pods (default: the --listen address; with 0.0.0.0, this
                          machine's first non-loopback IPv4 address; pods then use the node's address)
  --storage URL           Where the cluster's objects live:
                            sqlite://PATH   an SQLite file (default: DIR/state.db, also written "sqlite")
                            memory://       this process's memory, gone on exit (also "memory")
                            etcd://HOST:PORT[,HOST:PORT...]
                                            an etcd v3 cluster (3.4 or newer); list several members and
                                            a-kube moves to the next one when one stops answering
  --etcd-prefix PREFIX    Root of a-kube's keys in etcd (default: /registry, where kube-apiserver keeps them)
  --etcd-cafile FILE      CA certificate (PEM) to verify etcd's serving certificates; turns on TLS
  --etcd-certfile FILE    Client certificate (PEM) a-kube presents to etcd (for etcd's --client-cert-auth)
  --etcd-keyfile FILE     Private key (PEM) of --etcd-certfile
  --anonymous-auth BOOL   Treat requests without credentials as system:anonymous (default: true)
  --token-auth-file FILE  Static bearer tokens, CSV lines token,user,uid,"group1,group2"
  --service-account-max-token-expiration DURATION
                          The longest lifetime a TokenRequest gets: longer requests (such as the node's 3607 s
                          pod tokens) are given this instead (default: no cap). Kubernetes accepts 1h or more;
                          a-kube also takes down to 10s, for development and tests only: pods' projected tokens
                          then expire within seconds and the node renews them at 80% of that
  --requestheader-client-ca-file FILE
                          CA of the front proxies whose X-Remote-User/-Group/-Extra- headers are believed
                          (default: DIR/pki/front-proxy-ca.crt, the CA of a-kube's own front-proxy client)
  --requestheader-allowed-names LIST
                          Common names such a proxy's certificate may have, comma-separated; empty allows any
                          (default: front-proxy-client)
  --requestheader-uid-headers LIST
                          Headers carrying the user's UID, comma-separated, e.g. X-Remote-Uid (default: none)
  --authorization-mode M  RBAC (default) or AlwaysAllow (every authenticated or anonymous request is allowed)
  --runtime KIND          Local node runtime: containerd (default: real containers, needs root, containerd,
                          runc and the CNI plugins), fake (simulated nodes) or none (no node)
  --container-runtime-endpoint unix:///PATH
                          Use this containerd's CRI socket instead of starting one under DIR/containerd
  --keep-pods             Leave the pods' containers running on shutdown; the next start adopts them
  --shutdown-grace-period DURATION
                          On shutdown (SIGINT/SIGTERM, without --keep-pods), the time the node's pods get to stop
                          (default: 30s): regular pods first, each within its terminationGracePeriodSeconds but
                          no longer than this less the critical pods' part, then critical pods (priority
                          system-cluster-critical and above); what still runs is killed, then every sandbox,
                          volume and log directory is removed before a-kube exits
  --shutdown-grace-period-critical-pods DURATION
                          The last part of --shutdown-grace-period, kept for critical pods (default: a third of it)
  --container-log-max-size SIZE
                          Rotate a running container's log file once it reaches this size, checked every 10 s
                          (default: 10Mi); the runtime then writes a new file and older ones are gzip-compressed
  --container-log-max-files N
                          Log files kept per container, the one being written included (default: 5; at least 2)
  --nodes N               How many simulated nodes to run (--runtime fake; default: 1)
  --cluster-cidr CIDR     Pod addresses, a /24 per node (default: 10.244.0.0/16)
  --node-ip ADDRESS       The node's address for pods and the kubernetes Service (default: the pod bridge's
                          gateway, the first address of the node's pod CIDR, created by a-kube)
  --max-requests-inflight N
                          Read-only requests served at once; one more is answered 429 (default 400; 0: no limit)
  --max-mutating-requests-inflight N
                          Mutating requests served at once; one more is answered 429 (default 200; 0: no limit)
  --enable-priority-and-fairness BOOL
                          Share the two limits above (their sum) among the priority levels of API Priority and
                          Fairness: requests are classified by FlowSchemas, queued fairly per flow and refused
                          429 when their level's queues are full (default true). false: the two plain limits
  --audit-log-path PATH   Where audit events go, one JSON line each (default: DIR/audit.log; "-" standard
                          output; "" no audit log)
  --audit-policy-file F   The audit policy (audit.k8s.io/v1 Policy) instead of the built-in one, which records
                          who did what at Metadata level, RBAC changes in full, and leaves out the components'
                          own reads and health probes ("a-kube audit default-policy" prints it)
  --audit-log-maxsize MB  Start a new audit log file when the current one would grow past this (default: 100)
  --audit-log-maxbackup N Rotated audit log files to keep (default: 10; 0: all)
  --audit-log-maxage DAYS Delete rotated audit log files older than this (default: 0, never)
  --audit-webhook-config-file FILE
                          Also send audit events, in batches, to the webhook this kubeconfig file names
  --audit-webhook-batch-max-size N
                          Events per webhook request (default: 400)
  --audit-webhook-batch-max-wait DURATION
                          Longest wait before a partial batch is sent, e.g. 5s (default: 30s)
  --audit-webhook-initial-backoff DURATION
                          Pause before a batch the webhook refused or did not take is sent again; each further
                          failure doubles it, up to a minute (default: 10s)
  --encryption-provider-config FILE
                          Encrypt resources at rest as the EncryptionConfiguration (apiserver.config.k8s.io/v1) in FILE
                          says: providers aesgcm, aescbc, secretbox, identity or kms (apiVersion v2, a plugin on a
                          unix socket); the first provider's first key writes, every listed key decrypts. Without it
                          nothing is encrypted (see README: key rotation)
  --encryption-provider-config-automatic-reload BOOL
                          Check the --encryption-provider-config file each minute and use it again when it has
                          changed; a file that does not load leaves the configuration in use and is logged
                          (default: false)
  --cluster-signing-duration DURATION
                          Longest validity of certificates signed for CertificateSigningRequests, such as joined
                          nodes' client certificates, which they renew at 70-90% of it (default: 8760h)
  --node-monitor-grace-period DURATION
                          How long a node may go without renewing its Lease before it is marked NotReady and
                          tainted unreachable (default: 40s)
  --terminated-pod-gc-threshold N
                          Succeeded and Failed pods kept; beyond N the oldest are deleted, evicted ones first
                          (default: 12500; 0 or less keeps them all)
  --reset-state           Start with an empty database although DIR holds a cluster's certificates (an existing
                          state.db is moved aside to state.db.reset-TIME)
  --console BOOL          Serve the web console at https://ADDRESS:PORT/console/ (default: true); people sign in
                          with their own token or client certificate and see what RBAC lets them see
  --ha                    A highly available control plane on this machine, to try fail-over. As child processes,
                          each started again a second after it dies: a three-member etcd on loopback ports with
                          its data in DIR/etcd (or the etcd that --storage etcd://... names), --api-servers "a-kube
                          server"s on the ports after --port sharing DIR, and two leader-elected "a-kube
                          controller-manager"s and schedulers. In this process: a TCP balancer on --port in front of
                          the API servers (for kubectl and other clients of one server) and the local node,
                          simulated (--runtime fake, the default with --ha, or none). DIR/admin.kubeconfig names the
                          balancer and lists every API server (its a-kube.io/servers extension), so a-kubectl moves
                          between them itself. Logs go to DIR/logs. Not with --container-runtime-endpoint,
                          --keep-pods, --node-ip, --terminated-pod-gc-threshold, --reset-state, --audit-log-path
  --api-servers N         With --ha: how many API servers (default: 3; 2 to 9)
  --etcd-binary PATH      With --ha and no --storage: the etcd to run (default: /usr/bin/etcd, Debian's etcd-server)
  -h, --help              Show this help

Examples:
  a-kube up
  a-kube up --ha --data-dir /tmp/ha
  a-kube up --data-dir /tmp/k --port 0
  a-kube up --storage etcd://127.0.0.1:2379
  a-kube up --storage etcd://10.0.0.1:2379,10.0.0.2:2379 --etcd-cafile ca.crt --etcd-certfile client.crt --etcd-keyfile client.key
`;

const serverUsage = `Run the API server alone: the same API, certificates, authentication, authorization, admission and
audit as "a-kube up", but without the controllers, the scheduler and the node agents. Its data dir holds the
cluster CA, serving certificates, service-account keys and admin kubeconfig (created on first start, as up does).

On etcd, several servers may share one data dir (each on its own port): they serve the same cluster, each holds
a Lease kube-system/apiserver-<hash>, and the kubernetes Service lists every server whose Lease is current. Run
the control loops with "a-kube controller-manager" and "a-kube scheduler". On SQLite a data dir has one server.

Usage:
  a-kube server [options]

Options:
  --data-dir DIR, --port PORT, --listen ADDRESS, --advertise-address ADDRESS (also the address published in
  the kubernetes Service), --storage URL, --etcd-prefix PREFIX, --etcd-cafile FILE,
  --etcd-certfile FILE, --etcd-keyfile FILE, --anonymous-auth BOOL, --token-auth-file FILE,
  --service-account-max-token-expiration DURATION, --requestheader-* flags,
  --authorization-mode M, --max-requests-inflight N, --max-mutating-requests-inflight N,
  --enable-priority-and-fairness BOOL, --audit-* flags,
  --encryption-provider-config FILE, --encryption-provider-config-automatic-reload BOOL, --reset-state,
  --console BOOL
                          As for "a-kube up" (see "a-kube up --help")
  -h, --help              Show this help

Examples:
  a-kube server --storage etcd://127.0.0.1:2379 --data-dir /var/lib/a-kube --port 6443
  a-kube server --storage etcd://127.0.0.1:2379 --data-dir /var/lib/a-kube --port 6444   # a second one
`;

/** Options of `up` for a highly available control plane (--ha); `server` has none of them. */
const haOptions = ['ha', 'api-servers', 'etcd-binary'] as const;

/** Options of `up` that run nodes; `server` has none of them. */
const nodeOptions = ['runtime', 'container-runtime-endpoint', 'keep-pods', 'shutdown-grace-period', 'shutdown-grace-period-critical-pods', 'container-log-max-size', 'container-log-max-files', 'nodes', 'cluster-cidr', 'node-ip', 'cluster-signing-duration', 'node-monitor-grace-period', 'terminated-pod-gc-threshold'] as const;

export const version = '0.1.0';

async function up(args: string[], command: 'up' | 'server' = 'up'): Promise<void> {
  const options = {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      listen: { type: 'string' },
      storage: { type: 'string' },
      'etcd-prefix': { type: 'string' },
      'etcd-cafile': { type: 'string' },
      'etcd-certfile': { type: 'string' },
      'etcd-keyfile': { type: 'string' },
      'anonymous-auth': { type: 'string' },
      'token-auth-file': { type: 'string' },
      'service-account-max-token-expiration': { type: 'string' },
      'requestheader-client-ca-file': { type: 'string' },
      'requestheader-allowed-names': { type: 'string' },
      'requestheader-uid-headers': { type: 'string' },
      'authorization-mode': { type: 'string' },
      runtime: { type: 'string' },
      'container-runtime-endpoint': { type: 'string' },
      'keep-pods': { type: 'boolean' },
      'shutdown-grace-period': { type: 'string' },
      'shutdown-grace-period-critical-pods': { type: 'string' },
      'container-log-max-size': { type: 'string' },
      'container-log-max-files': { type: 'string' },
      nodes: { type: 'string' },
      'cluster-cidr': { type: 'string' },
      'node-ip': { type: 'string' },
      'advertise-address': { type: 'string' },
      'cluster-signing-duration': { type: 'string' },
      'node-monitor-grace-period': { type: 'string' },
      'terminated-pod-gc-threshold': { type: 'string' },
      'reset-state': { type: 'boolean' },
      'encryption-provider-config': { type: 'string' },
      'encryption-provider-config-automatic-reload': { type: 'string' },
      'max-requests-inflight': { type: 'string' },
      'enable-priority-and-fairness': { type: 'string' },
      'max-mutating-requests-inflight': { type: 'string' },
      'audit-log-path': { type: 'string' },
      'audit-policy-file': { type: 'string' },
      'audit-log-maxsize': { type: 'string' },
      'audit-log-maxbackup': { type: 'string' },
      'audit-log-maxage': { type: 'string' },
      'audit-webhook-config-file': { type: 'string' },
      'audit-webhook-batch-max-size': { type: 'string' },
      'audit-webhook-batch-max-wait': { type: 'string' },
      'audit-webhook-initial-backoff': { type: 'string' },
      console: { type: 'string' },
      ha: { type: 'boolean' },
      'api-servers': { type: 'string' },
      'etcd-binary': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
  } as const;
  const allowed: Partial<typeof options> = { ...options };
  if (command === 'server') for (const name of [...nodeOptions, ...haOptions]) delete allowed[name];
  let values: Partial<Record<keyof typeof options, string | boolean>>;
  try {
    values = parseArgs({ args, options: allowed as typeof options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    fail(`${e instanceof Error ? e.message : String(e)}\nRun 'a-kube ${command} --help' for usage.`);
  }
  if (values.help) {
    process.stdout.write(command === 'server' ? serverUsage : upUsage);
    return;
  }
  const str = (k: keyof typeof options): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  if (values.ha === true) return (await import('./up-ha-command.js')).upHa(values);
  const haOnly = haOptions.find((k) => values[k] !== undefined);
  if (haOnly) fail(`--${haOnly} applies to "a-kube up --ha" only`);
  const port = Number(str('port') ?? '6443');
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid --port "${str('port')}": use a number from 0 to 65535`);
  const storage = storageFlags(values);
  const dataDir = resolve(str('data-dir') ?? join(homedir(), '.a-kube'));
  const runtime = command === 'server' ? 'none' : parseRuntime(str('runtime'));
  const tokenAuthFile = str('token-auth-file');
  const requestHeader = parseRequestHeaderFlags(str('requestheader-client-ca-file'), str('requestheader-allowed-names'), str('requestheader-uid-headers'));
  const runtimeEndpoint = str('container-runtime-endpoint');
  const clusterCidr = str('cluster-cidr');
  const nodeIP = str('node-ip');
  const logRotation = parseLogRotationFlags(str('container-log-max-size'), str('container-log-max-files'));
  if ('error' in logRotation) fail(logRotation.error);
  const shutdownGracePeriods = parseShutdownGracePeriodFlags(str('shutdown-grace-period'), str('shutdown-grace-period-critical-pods'));
  if ('error' in shutdownGracePeriods) fail(shutdownGracePeriods.error);

  const advertiseAddress = str('advertise-address');
  if (advertiseAddress !== undefined && parseIPv4(advertiseAddress) === undefined) fail(`invalid --advertise-address "${advertiseAddress}": use an IPv4 address`);
  const clusterSigningDurationMs = parseDurationFlag('cluster-signing-duration', str('cluster-signing-duration'));
  const nodeMonitorGracePeriodMs = parseDurationFlag('node-monitor-grace-period', str('node-monitor-grace-period'));
  const tokenCap = parseTokenExpirationCap(str('service-account-max-token-expiration'));
  const terminatedPodGcThreshold = parseThreshold('terminated-pod-gc-threshold', str('terminated-pod-gc-threshold'));

  const started = performance.now();
  const { startCluster } = await import('../cluster/control-plane.js');
  const cluster = await startCluster({
    dataDir,
    port,
    listen: str('listen') ?? '127.0.0.1',
    storage,
    anonymousAuth: parseBool('anonymous-auth', values['anonymous-auth'], true),
    ...(tokenAuthFile ? { tokenAuthFile: resolve(tokenAuthFile) } : {}),
    ...(requestHeader ? { requestHeader } : {}),
    ...(tokenCap ? { serviceAccountMaxTokenExpirationSeconds: tokenCap } : {}),
    authorizationMode: parseAuthorizationMode(str('authorization-mode')),
    runtime,
    ...(command === 'server' ? { components: 'apiserver' as const } : {}),
    ...(runtimeEndpoint ? { containerRuntimeEndpoint: runtimeEndpoint } : {}),
    ...(values['keep-pods'] === true ? { keepPods: true } : {}),
    shutdownGracePeriods,
    logRotation,
    nodes: parseNodes(str('nodes')),
    ...(clusterCidr ? { clusterCidr: parseClusterCidr(clusterCidr) } : {}),
    ...(nodeIP ? { nodeIP: parseNodeIP(nodeIP) } : {}),
    // Real pods need the pod network; simulated ones have addresses that exist nowhere.
    podNetwork: runtime === 'containerd',
    resetState: values['reset-state'] === true,
    ...(str('encryption-provider-config') ? { encryptionProviderConfig: resolve(str('encryption-provider-config') as string) } : {}),
    encryptionProviderConfigAutomaticReload: parseBool('encryption-provider-config-automatic-reload', values['encryption-provider-config-automatic-reload'], false),
    audit: parseAuditFlags(values),
    priorityAndFairness: parseBool('enable-priority-and-fairness', values['enable-priority-and-fairness'], true),
    ...(advertiseAddress ? { advertiseAddress } : {}),
    ...(clusterSigningDurationMs ? { clusterSigningDurationMs } : {}),
    ...(nodeMonitorGracePeriodMs ? { nodeMonitorGracePeriodMs } : {}),
    ...(terminatedPodGcThreshold !== undefined ? { terminatedPodGcThreshold } : {}),
    console: parseBool('console', values.console, true),
    maxInFlight: { readOnly: parseLimit('max-requests-inflight', str('max-requests-inflight'), 400), mutating: parseLimit('max-mutating-requests-inflight', str('max-mutating-requests-inflight'), 200) },
    progress: (line) => process.stderr.write(`a-kube: ${line}\n`),
  });
  process.stderr.write(`a-kube: ready in ${Math.round(performance.now() - started)} ms\n`);
  // With --audit-log-path -, standard output holds the audit events alone (one JSON line each, for a pipe to read).
  const say = values['audit-log-path'] === '-' ? process.stderr : process.stdout;
  say.write(`a-kube is up at ${cluster.url}\n  export KUBECONFIG=${cluster.kubeconfigPath}\n  a-kubectl get namespaces\n`);
  if (command === 'up') {
    const dirFlag = str('data-dir') ? ` --data-dir ${dataDir}` : '';
    say.write(`To join a node from another machine (it must reach ${cluster.publishedUrl}), print the command to run there:\n  a-kube token create --print-join-command${dirFlag}\n`);
  }

  const { armShutdownTimer, shutdownGraceMs, startWatchdog } = await import('./watchdog.js');
  startWatchdog();
  // Stopping real pods has its own bound (their budget, then the clean-up); the rest of the close comes after it.
  const stopsPods = runtime === 'containerd' && values['keep-pods'] !== true;
  const exitAfterMs = (stopsPods ? shutdownBoundMs(shutdownGracePeriods) : 0) + shutdownGraceMs;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`a-kube: ${signal}: shutting down\n`);
    armShutdownTimer(exitAfterMs);
    cluster.close().then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`a-kube: shutdown: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

/** The commands that run until stopped: they give heap back when they go quiet after a burst (heap-return.ts). */
const longRunning = new Set(['up', 'server', 'controller-manager', 'scheduler', 'node', 'console']);

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command !== undefined && longRunning.has(command)) startHeapReturn();
  switch (command) {
    case 'up':
      return up(rest);
    case 'server':
      return up(rest, 'server');
    case 'controller-manager':
    case 'scheduler':
      return (await import('./component-command.js')).componentCommand(command, rest);
    case 'storage':
      return (await import('./storage-command.js')).storageCommand(rest);
    case 'node':
      return (await import('../kubelet/node-command.js')).nodeCommand(rest);
    case 'token':
      return (await import('./token-command.js')).tokenCommand(rest);
    case 'image':
      return (await import('../kubelet/images/command.js')).imageCommand(rest);
    case 'console':
      return (await import('../console/command.js')).consoleCommand(rest);
    case 'audit':
      if (rest[0] === 'default-policy' && rest.length === 1) {
        process.stdout.write((await import('../audit/default-policy.js')).defaultPolicyText);
        return;
      }
      if (rest.length === 1 && (rest[0] === '--help' || rest[0] === '-h')) {
        process.stdout.write(auditUsage);
        return;
      }
      fail(`${rest.length === 0 ? 'a command is needed' : `unknown command "${rest.join(' ')}" for "a-kube audit"`}\n\n${auditUsage}`);
    case 'version':
    case '--version':
      process.stdout.write(`a-kube v${version}\n`);
      return;
    case undefined:
    case 'help':
    case '-h':
    case '--help':
      if (rest[0] === 'up') process.stdout.write(upUsage);
      else if (rest[0] === 'server') process.stdout.write(serverUsage);
      else if (rest[0] === 'controller-manager') process.stdout.write((await import('./component-command.js')).controllerManagerUsage);
      else if (rest[0] === 'scheduler') process.stdout.write((await import('./component-command.js')).schedulerUsage);
      else if (rest[0] === 'storage') process.stdout.write((await import('./storage-command.js')).storageUsage);
      else if (rest[0] === 'node') process.stdout.write((await import('../kubelet/node-command.js')).nodeUsage);
      else if (rest[0] === 'token') process.stdout.write((await import('./token-command.js')).tokenUsage);
      else if (rest[0] === 'image') process.stdout.write((await import('../kubelet/images/command.js')).imageUsage);
      else if (rest[0] === 'console') process.stdout.write((await import('../console/command.js')).consoleUsage);
      else if (rest[0] === 'audit') process.stdout.write(auditUsage);
      else process.stdout.write(usage);
      return;
    default:
      fail(`unknown command "${command}" for "a-kube"\nRun 'a-kube --help' for usage.`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`a-kube: ${message}\n`);
  process.exit(1);
});
