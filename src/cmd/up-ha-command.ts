// `a-kube up --ha`: the flags it takes, passes on or refuses, the start (cluster/ha/up.ts), what it prints, and
// the shutdown of every process it started on SIGINT or SIGTERM.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseIPv4 } from '../api/ipv4.js';
import { defaultEtcdBinary } from '../cluster/ha/etcd-members.js';
import { fail, parseAuditFlags, parseAuthorizationMode, parseBool, parseClusterCidr, parseDurationFlag, parseLimit, parseNodes, parseRequestHeaderFlags, storageFlags } from './up-flags.js';

/** Options of `up` that `up --ha` passes on to each `a-kube server` as they are. */
const haServerFlags = ['advertise-address', 'anonymous-auth', 'token-auth-file', 'service-account-max-token-expiration', 'authorization-mode', 'max-requests-inflight', 'max-mutating-requests-inflight', 'enable-priority-and-fairness', 'audit-policy-file', 'audit-log-maxsize', 'audit-log-maxbackup', 'audit-log-maxage', 'audit-webhook-config-file', 'audit-webhook-batch-max-size', 'audit-webhook-batch-max-wait', 'audit-webhook-initial-backoff', 'encryption-provider-config', 'console', 'requestheader-client-ca-file', 'requestheader-allowed-names', 'requestheader-uid-headers'] as const;
/** ... and to each `a-kube controller-manager`. */
const haControllerManagerFlags = ['cluster-cidr', 'cluster-signing-duration', 'node-monitor-grace-period'] as const;
/** Options of `up` that `up --ha` has no use for, with the reason. */
const haRefused: Record<string, string> = {
  'container-runtime-endpoint': 'the local node of --ha is simulated (--runtime fake)',
  'keep-pods': 'the local node of --ha is simulated (--runtime fake)',
  'shutdown-grace-period': 'the local node of --ha is simulated (--runtime fake) and has no processes to stop',
  'shutdown-grace-period-critical-pods': 'the local node of --ha is simulated (--runtime fake) and has no processes to stop',
  'container-log-max-size': 'the local node of --ha is simulated (--runtime fake) and writes no container logs',
  'container-log-max-files': 'the local node of --ha is simulated (--runtime fake) and writes no container logs',
  'node-ip': 'the local node of --ha is simulated (--runtime fake)',
  'terminated-pod-gc-threshold': 'the controller-managers of --ha run with its default',
  'reset-state': 'it applies to SQLite, and --ha keeps the cluster in etcd',
  'audit-log-path': 'each API server of --ha writes its own audit log (DIR/audit.log for the first, DIR/audit-PORT.log for the others)',
};

/** `a-kube up --ha`: checks the flags, starts the processes (cluster/ha/up.ts), and stops them on a signal. */
export async function upHa(values: Record<string, string | boolean | undefined>): Promise<void> {
  const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  for (const [flag, why] of Object.entries(haRefused)) if (values[flag] !== undefined) fail(`--${flag} does not apply to --ha: ${why}`);
  const port = Number(str('port') ?? '6443');
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid --port "${str('port')}": use a number from 0 to 65535`);
  const apiServers = Number(str('api-servers') ?? '3');
  if (!Number.isInteger(apiServers) || apiServers < 2 || apiServers > 9) fail(`invalid --api-servers "${str('api-servers')}": use a number from 2 to 9`);
  if (port !== 0 && port + apiServers > 65535) fail(`--port ${port} leaves no room for ${apiServers} API servers on the ports after it`);
  const runtime = str('runtime') ?? 'fake';
  if (runtime === 'containerd') fail('--runtime containerd does not apply to --ha: its local node is simulated (--runtime fake, the default) or absent (--runtime none); real pods need the node in the API server\'s process, as "a-kube up" runs it');
  if (runtime !== 'fake' && runtime !== 'none') fail(`invalid --runtime "${runtime}": use fake or none with --ha`);
  const spec = str('storage') !== undefined ? storageFlags(values) : undefined;
  if (spec && spec.kind !== 'etcd') fail('--ha keeps the cluster in etcd: leave --storage out (three etcd members are started) or give --storage etcd://HOST:PORT[,HOST:PORT...]');
  if (!spec) {
    const etcdOnly = ['etcd-prefix', 'etcd-cafile', 'etcd-certfile', 'etcd-keyfile'].find((k) => values[k] !== undefined);
    if (etcdOnly) fail(`--${etcdOnly} applies to an etcd given with --storage etcd://HOST:PORT (the etcd --ha starts needs none)`);
  }
  if (spec && values['etcd-binary'] !== undefined) fail('--etcd-binary applies when --ha starts its own etcd (no --storage)');
  const listen = str('listen') ?? '127.0.0.1';
  // Checked here as the processes would check them, so that a mistake stops the start before anything runs.
  const advertiseAddress = str('advertise-address');
  if (advertiseAddress !== undefined && parseIPv4(advertiseAddress) === undefined) fail(`invalid --advertise-address "${advertiseAddress}": use an IPv4 address`);
  parseBool('anonymous-auth', values['anonymous-auth'], true);
  parseBool('enable-priority-and-fairness', values['enable-priority-and-fairness'], true);
  parseBool('console', values['console'], true);
  parseAuthorizationMode(str('authorization-mode'));
  parseLimit('max-requests-inflight', str('max-requests-inflight'), 400);
  parseLimit('max-mutating-requests-inflight', str('max-mutating-requests-inflight'), 200);
  parseAuditFlags(values);
  parseRequestHeaderFlags(str('requestheader-client-ca-file'), str('requestheader-allowed-names'), str('requestheader-uid-headers'));
  const clusterCidr = str('cluster-cidr');
  if (clusterCidr !== undefined) parseClusterCidr(clusterCidr);
  parseDurationFlag('cluster-signing-duration', str('cluster-signing-duration'));
  parseDurationFlag('node-monitor-grace-period', str('node-monitor-grace-period'));
  const nodes = parseNodes(str('nodes'));
  if (runtime === 'none' && values['nodes'] !== undefined) fail('--nodes needs --runtime fake');

  const passOn = (names: readonly string[]) => names.flatMap((k) => (str(k) !== undefined ? [`--${k}`, str(k) as string] : []));
  const etcdFlags = spec ? passOn(['storage', 'etcd-prefix', 'etcd-cafile', 'etcd-certfile', 'etcd-keyfile']) : undefined;
  const dataDir = resolve(str('data-dir') ?? join(homedir(), '.a-kube'));
  const say = (line: string) => process.stderr.write(`a-kube: ${line}\n`);
  const started = performance.now();
  // A signal while starting ends the process; the children started so far are killed on the way out.
  const early = (signal: NodeJS.Signals) => {
    say(`${signal} while starting: stopping`);
    process.exit(1);
  };
  process.once('SIGINT', early);
  process.once('SIGTERM', early);
  const { startHa } = await import('../cluster/ha/up.js');
  const { armShutdownTimer, startWatchdog } = await import('./watchdog.js');
  const ha = await startHa({
    dataDir,
    listen,
    port,
    apiServers,
    ...(etcdFlags ? { etcdFlags } : {}),
    etcdBinary: resolve(str('etcd-binary') ?? defaultEtcdBinary),
    serverFlags: passOn(haServerFlags),
    controllerManagerFlags: passOn(haControllerManagerFlags),
    runtime,
    nodes,
    self: { command: process.execPath, args: [...process.execArgv, process.argv[1] as string] },
    say,
  });
  // The orderly shutdown takes over from the early exit with no gap between them.
  startWatchdog();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    say(`${signal}: shutting down`);
    armShutdownTimer();
    ha.close().then(
      () => process.exit(0),
      (e: unknown) => {
        say(`shutdown: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.off('SIGINT', early);
  process.off('SIGTERM', early);
  say(`ready in ${Math.round(performance.now() - started)} ms`);
  const pid = (p: number | undefined) => (p === undefined ? '' : ` (pid ${p})`);
  const first = ha.servers[0];
  process.stdout.write(
    [
      `a-kube is up (highly available) at ${ha.balancerUrl}, a TCP balancer in front of ${ha.servers.length} API servers:`,
      ...ha.servers.map((s) => `  API server ${s.url}${pid(s.child.pid)}`),
      ...(ha.etcd ? [`  etcd, data in ${ha.etcd.dataDir}:`, ...ha.etcd.endpoints.map((e, i) => `    member ${e}${pid(ha.etcd?.members[i]?.pid)}`)] : ['  etcd: as --storage names it']),
      ...ha.components.map((c) => `  ${c.name}${pid(c.child.pid)}, leader-elected`),
      `  ${ha.nodeNames.length > 0 ? `node${ha.nodeNames.length === 1 ? '' : 's'} ${ha.nodeNames.join(', ')} (simulated)` : 'no node (--runtime none)'}`,
      `  logs in ${ha.logDir}`,
      `  export KUBECONFIG=${ha.kubeconfigPath}`,
      '  a-kubectl get namespaces',
      `admin.kubeconfig names the balancer and lists every API server, so a-kubectl also moves between them itself.`,
      `To try a fail-over, kill an API server and keep using the cluster (a-kube starts it again after a second):`,
      `  kill -9 ${first?.child.pid ?? 'PID'}    # ${first?.url ?? 'an API server'}`,
      `  a-kubectl get endpoints kubernetes       # the API servers whose Lease is current`,
      `  a-kubectl get leases -n kube-system      # who leads the controllers and the scheduler`,
      ...(ha.etcd ? ['An etcd member may go too (two of three keep a quorum).'] : []),
      '',
    ].join('\n'),
  );
}
