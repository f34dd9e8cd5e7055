// `a-kube controller-manager` and `a-kube scheduler`: the control loops of `a-kube up` as processes of their own,
// against API servers elsewhere, each behind its Lease in kube-system so that of several copies one acts and
// another takes over when it dies. Credentials come from a kubeconfig, or from a data dir's cluster CA (the
// component's own certificate, as `a-kube up` gives it, plus the keys the controllers sign with).
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { parseGoDuration } from '../api/go-duration.js';
import { parseCidr, formatCidr } from '../api/ipv4.js';
import { defaultLeaderElection, leaderElectionProblem, type LeaderElectionTiming } from '../client/leader-election.js';
import type { ClientConfig } from '../client/config-types.js';
import type { ClusterPki } from '../pki/index.js';

type Component = 'controller-manager' | 'scheduler';

const common = `  --kubeconfig FILE       Reach and log in to the API server as this kubeconfig says (its a-kube.io/servers
                          extension may list more servers)
  --data-dir DIR          Or: a data dir of "a-kube server" (default ~/.a-kube when no --kubeconfig): log in with
                          a certificate its cluster CA issues for the component, and reach the server its
                          admin.kubeconfig names
  --server URL            The API server (repeat it for several: each is tried in turn when the one in use cannot
                          be reached); overrides the kubeconfig's
  --leader-elect BOOL     Campaign for the Lease in kube-system first, so that of several copies one acts (default true)
  --leader-elect-lease-duration DURATION
                          How long others wait after the leader's last renewal before taking over (default 15s)
  --leader-elect-renew-deadline DURATION
                          How long the leader keeps trying to renew before it stops acting (default 10s)
  --leader-elect-retry-period DURATION
                          Between attempts to take or renew the Lease (default 2s)
  -h, --help              Show this help
`;

export const controllerManagerUsage = `Run the controllers of "a-kube up" (deployments, replica sets, endpoints, namespaces, garbage collection,
service accounts and their tokens, nodes, volumes, certificates, ...) against an API server, behind the Lease
kube-system/kube-controller-manager.

Usage:
  a-kube controller-manager [options]

Options:
${common}  --cluster-cidr CIDR     Pod addresses, a /24 per node (default: 10.244.0.0/16)
  --cluster-signing-duration DURATION
                          Longest validity of certificates signed for CertificateSigningRequests (default: 8760h)
  --node-monitor-grace-period DURATION
                          How long a node may go without renewing its Lease before it is NotReady (default: 40s)

With a data dir (alone, or beside --kubeconfig for the keys only) the controllers also sign legacy
service-account tokens (pki/sa.key) and approved CertificateSigningRequests (pki/ca.key); with only a kubeconfig
those two controllers do not run.

Examples:
  a-kube controller-manager --data-dir /var/lib/a-kube --server https://10.0.0.1:6443 --server https://10.0.0.2:6443
`;

export const schedulerUsage = `Run the scheduler of "a-kube up" against an API server, behind the Lease kube-system/kube-scheduler.

Usage:
  a-kube scheduler [options]

Options:
${common}
Examples:
  a-kube scheduler --kubeconfig scheduler.kubeconfig
`;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

function duration(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  let ms: number;
  try {
    ms = parseGoDuration(v);
  } catch (e) {
    fail(`invalid --${name} "${v}": ${(e as Error).message}; use a duration such as 15s`);
  }
  if (!(ms > 0)) fail(`invalid --${name} "${v}": use a duration above zero`);
  return ms;
}

/** The connection: a kubeconfig, or the data dir's CA with the component's own certificate. */
async function clientConfig(component: Component, values: { kubeconfig?: string; 'data-dir'?: string; server?: string[] }): Promise<{ config: ClientConfig; dataDir?: string; pki?: ClusterPki; caPem?: string }> {
  const servers = (values.server ?? []).map((s) => (/^[a-z]+:\/\//.test(s) ? s : `https://${s}`));
  const { loadKubeconfig, resolveConfig } = await import('../client/kubeconfig.js');
  const overrides = servers.length > 0 ? { server: servers[0] as string, fallbackServers: servers.slice(1) } : {};
  const loadPki = async (dataDir: string): Promise<ClusterPki> => {
    if (!existsSync(join(dataDir, 'pki', 'ca.key'))) fail(`${dataDir} holds no cluster CA (pki/ca.key): give the data dir of "a-kube server", or --kubeconfig`);
    return (await import('../pki/index.js')).ensureClusterPki(dataDir);
  };
  if (values.kubeconfig !== undefined) {
    const resolved = resolveConfig(await loadKubeconfig({ explicitPath: resolve(values.kubeconfig), env: {} }), overrides);
    // A data dir given as well supplies the signing keys only.
    const keys = values['data-dir'] !== undefined ? { dataDir: resolve(values['data-dir']), pki: await loadPki(resolve(values['data-dir'])) } : {};
    return { config: resolved.client, ...keys, ...(resolved.client.caData ? { caPem: resolved.client.caData.toString() } : {}) };
  }
  const dataDir = resolve(values['data-dir'] ?? join(homedir(), '.a-kube'));
  const pki = await loadPki(dataDir);
  const { componentCertificate } = await import('../pki/index.js');
  const pair = component === 'controller-manager' ? await componentCertificate(pki, 'controller-manager', 'system:kube-controller-manager') : await componentCertificate(pki, 'scheduler', 'system:kube-scheduler');
  let server = overrides;
  if (servers.length === 0) {
    const admin = join(dataDir, 'admin.kubeconfig');
    if (!existsSync(admin)) fail(`${admin} is missing: give --server URL`);
    const resolved = resolveConfig(await loadKubeconfig({ explicitPath: admin, env: {} }));
    server = { server: resolved.client.server, fallbackServers: resolved.client.fallbackServers ?? [] };
  }
  return {
    config: { server: server.server as string, ...(server.fallbackServers?.length ? { fallbackServers: server.fallbackServers } : {}), caData: Buffer.from(pki.ca.cert), certData: Buffer.from(pair.cert), keyData: Buffer.from(pair.key) },
    dataDir,
    pki,
    caPem: pki.ca.cert,
  };
}

export async function componentCommand(component: Component, args: string[]): Promise<void> {
  const options = {
    kubeconfig: { type: 'string' },
    'data-dir': { type: 'string' },
    server: { type: 'string', multiple: true },
    'leader-elect': { type: 'string' },
    'leader-elect-lease-duration': { type: 'string' },
    'leader-elect-renew-deadline': { type: 'string' },
    'leader-elect-retry-period': { type: 'string' },
    'cluster-cidr': { type: 'string' },
    'cluster-signing-duration': { type: 'string' },
    'node-monitor-grace-period': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const allowed: Partial<typeof options> = { ...options };
  if (component === 'scheduler') for (const k of ['cluster-cidr', 'cluster-signing-duration', 'node-monitor-grace-period'] as const) delete allowed[k];
  let values: ReturnType<typeof parseArgs<{ options: typeof options; strict: true; allowPositionals: false }>>['values'];
  try {
    values = parseArgs({ args, options: allowed as typeof options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    fail(`${e instanceof Error ? e.message : String(e)}\nRun 'a-kube ${component} --help' for usage.`);
  }
  if (values.help) {
    process.stdout.write(component === 'scheduler' ? schedulerUsage : controllerManagerUsage);
    return;
  }
  const leaderElectFlag = values['leader-elect'];
  if (leaderElectFlag !== undefined && !['true', 'false', '1', '0'].includes(leaderElectFlag)) fail(`invalid value "${leaderElectFlag}" for --leader-elect: use true or false`);
  const leaderElect = leaderElectFlag === undefined || leaderElectFlag === 'true' || leaderElectFlag === '1';
  const leaseMs = duration('leader-elect-lease-duration', values['leader-elect-lease-duration']);
  const timing: LeaderElectionTiming = {
    leaseDurationSeconds: leaseMs !== undefined ? Math.ceil(leaseMs / 1000) : defaultLeaderElection.leaseDurationSeconds,
    renewDeadlineMs: duration('leader-elect-renew-deadline', values['leader-elect-renew-deadline']) ?? defaultLeaderElection.renewDeadlineMs,
    retryPeriodMs: duration('leader-elect-retry-period', values['leader-elect-retry-period']) ?? defaultLeaderElection.retryPeriodMs,
  };
  const problem = leaderElectionProblem(timing);
  if (problem) fail(problem);
  const cidr = values['cluster-cidr'];
  const parsedCidr = cidr !== undefined ? parseCidr(cidr) : undefined;
  if (cidr !== undefined && (!parsedCidr || parsedCidr.prefix > 24)) fail(`invalid --cluster-cidr "${cidr}": use an IPv4 block of /24 or larger, e.g. 10.244.0.0/16`);
  const signingMs = duration('cluster-signing-duration', values['cluster-signing-duration']);
  const graceMs = duration('node-monitor-grace-period', values['node-monitor-grace-period']);

  const { config, dataDir, pki, caPem } = await clientConfig(component, values);
  // Pods get the cluster CA from the controllers (kube-root-ca.crt).
  if (component === 'controller-manager' && !caPem) fail('the kubeconfig names no certificate-authority: the controllers publish it to every namespace as kube-root-ca.crt');
  const { createRestClient } = await import('../client/rest.js');
  const { componentUserAgent } = await import('../cluster/component-user-agent.js');
  const client = createRestClient({ ...config, userAgent: componentUserAgent(component) });
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const log = (line: string) => process.stderr.write(`a-kube ${component}: ${line}\n`);
  // One identity per process: two copies on one machine are two candidates.
  const identity = `${hostname()}_${randomUUID()}`;
  log(`${config.server}${config.fallbackServers?.length ? ` (then ${config.fallbackServers.join(', ')})` : ''}, identity ${identity}${leaderElect ? '' : ', no leader election'}`);
  let running: Promise<void>;
  if (component === 'scheduler') {
    const { runScheduler } = await import('../scheduler/run.js');
    running = runScheduler({ client, signal: stop.signal, log, identity, leaderElect, leaderElection: timing });
  } else {
    const { runControllerManager } = await import('../controllers/manager.js');
    let signers = {};
    if (dataDir && pki) {
      const [{ clusterCsrSigner }, { createTokenSigner }, { defaultIssuer }] = await Promise.all([import('../pki/index.js'), import('../auth/serviceaccount/signer.js'), import('../auth/serviceaccount/claims.js')]);
      const tokens = createTokenSigner({ privateKeyPem: pki.serviceAccount.privateKey, publicKeyPem: pki.serviceAccount.publicKey, issuer: defaultIssuer });
      signers = { signLegacyToken: tokens.signLegacy.bind(tokens), csrSigner: clusterCsrSigner(pki.ca), localPathDir: join(dataDir, 'local-path') };
    } else log('no data dir: legacy service-account tokens and CertificateSigningRequests are not signed here');
    running = runControllerManager({
      client,
      caPem: caPem as string,
      signal: stop.signal,
      log,
      identity,
      leaderElect,
      leaderElection: timing,
      useServiceAccountCredentials: true,
      ...signers,
      ...(parsedCidr ? { clusterCidr: formatCidr(parsedCidr) } : {}),
      ...(signingMs ? { clusterSigningDurationMs: signingMs } : {}),
      ...(graceMs ? { nodeMonitorGracePeriodMs: graceMs } : {}),
    });
  }
  // The loops wait on unreferenced timers (a follower between attempts has nothing else pending): this one keeps
  // the process up until it is told to stop.
  const keepAlive = setInterval(() => {}, 1 << 30);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log(`${signal}: shutting down`);
    stop.abort();
    clearInterval(keepAlive);
    // The Lease is given up on the way out, so another copy takes over at once.
    const timer = setTimeout(() => process.exit(1), 10_000);
    running.then(
      () => {
        clearTimeout(timer);
        client.close();
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  await running.catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
}
