// The node's side of the pod network: the bridge pods attach to (created here, before the API server binds to
// its gateway address, and reused by the CNI bridge plugin), IP forwarding, and the iptables rules that let pod
// traffic through FORWARD and masquerade it when it leaves the cluster CIDR (so `apt-get` in a pod reaches the
// outside). Everything set up here is undone by teardown().
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatCidr, gatewayOf, parseCidr, type Cidr } from '../../api/ipv4.js';
import { CommandError, runCommand, type Runner } from './command.js';
import { chainsOf, hostIptables, jumpsTo, type Iptables } from './iptables.js';
import { processAlive } from '../../process/alive.js';

export const defaultBridgeName = 'akube0';
export const egressChain = 'AKUBE-POD-EGRESS';
export const forwardChain = 'AKUBE-POD-FORWARD';

export interface PodNetworkOptions {
  /** Bridge device name (at most 15 characters). */
  bridge: string;
  /** This node's block (spec.podCIDR), e.g. 10.244.0.0/24: the bridge gets its first address. */
  podCidr: string;
  /** Every pod's address range (--cluster-cidr): traffic leaving it is masqueraded. */
  clusterCidr: string;
  run?: Runner;
  iptables?: Iptables;
  /**
   * A network namespace has one pod network: this file (default: networkLockPath()) names the process that owns
   * it, and a second a-kube is refused while that process lives. null: no lock (a test's own namespace).
   */
  lockPath?: string | null;
  /** Shown to a second a-kube that finds the lock taken (e.g. the data dir). */
  owner?: string;
}

export const defaultNetworkLock = '/run/a-kube/pod-network.lock';

/**
 * The pod-network lock of the network namespace this process runs in: in a namespace made with `ip netns add NAME`
 * (bind-mounted at /run/netns/NAME) pod-network-netns-NAME.lock, so that a node agent started there (another
 * "machine", e.g. under `nsenter --net=/run/netns/NAME`) has its own bridge, rules and lock beside the host's;
 * anywhere else defaultNetworkLock. (The namespace of pid 1 cannot serve as the reference: reading it needs ptrace
 * access to pid 1, which sandboxed machines refuse even to root.)
 */
export function networkLockPath(netnsDir = '/run/netns'): string {
  let own: Stats;
  let names: string[];
  try {
    own = statSync('/proc/self/ns/net');
    names = readdirSync(netnsDir);
  } catch {
    return defaultNetworkLock;
  }
  for (const name of names) {
    try {
      const s = statSync(join(netnsDir, name));
      if (s.ino === own.ino && s.dev === own.dev) return `/run/a-kube/pod-network-netns-${name}.lock`;
    } catch {
      // gone meanwhile
    }
  }
  return defaultNetworkLock;
}

export class PodNetworkBusyError extends Error {
  override readonly name = 'PodNetworkBusyError';
}

/** Takes the machine's pod-network lock, or throws PodNetworkBusyError naming the live holder. */
function takeLock(path: string, owner: string): () => void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const mine = `${process.pid}\n${owner}\n`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, mine, { flag: 'wx', mode: 0o644 });
      return () => {
        try {
          if (readFileSync(path, 'utf8') === mine) unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let text = '';
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        continue;
      }
      const [pidText = '', holder = ''] = text.split('\n');
      const pid = Number(pidText);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new PodNetworkBusyError(`the pod network of this network namespace (bridge, service rules, DNS) belongs to another a-kube (pid ${pid}${holder ? `, ${holder}` : ''}); stop it first, or run this one with --runtime fake`);
      }
      // The holder is gone (a crash): take over.
      rmSync(path, { force: true });
    }
  }
  throw new PodNetworkBusyError(`could not take ${path}`);
}

export interface PodNetwork {
  bridge: string;
  /** The bridge's address: pods' default gateway, and the node's address as pods see it. */
  gateway: string;
  podCidr: string;
  clusterCidr: string;
  teardown(): Promise<void>;
}

async function exists(run: Runner, dev: string): Promise<boolean> {
  try {
    await run('ip', ['link', 'show', 'dev', dev]);
    return true;
  } catch (e) {
    if (e instanceof CommandError && e.exitCode !== null) return false;
    throw e;
  }
}

async function readSysctl(run: Runner, key: string): Promise<string | undefined> {
  try {
    return (await run('sysctl', ['-n', key])).stdout.trim();
  } catch {
    return undefined;
  }
}

/** The restore text that installs (or refreshes) the egress and forward rules. */
export function podNetworkRules(clusterCidr: string, bridge: string): string {
  return [
    '*filter',
    `:${forwardChain} - [0:0]`,
    `-F ${forwardChain}`,
    `-A ${forwardChain} -s ${clusterCidr} -m comment --comment "a-kube: pod traffic out" -j ACCEPT`,
    `-A ${forwardChain} -d ${clusterCidr} -m comment --comment "a-kube: pod traffic in" -j ACCEPT`,
    'COMMIT',
    '*nat',
    `:${egressChain} - [0:0]`,
    `-F ${egressChain}`,
    `-A ${egressChain} -s ${clusterCidr} -d ${clusterCidr} -m comment --comment "a-kube: pod to pod, unchanged" -j RETURN`,
    `-A ${egressChain} -s ${clusterCidr} ! -o ${bridge} -m comment --comment "a-kube: pod egress masquerade" -j MASQUERADE`,
    'COMMIT',
    '',
  ].join('\n');
}

function jumpRule(table: string, chain: string, target: string, add: boolean): string {
  return `*${table}\n${add ? '-I' : '-D'} ${chain} -m comment --comment "a-kube pod network" -j ${target}\nCOMMIT\n`;
}

export async function setUpPodNetwork(o: PodNetworkOptions): Promise<PodNetwork> {
  const run = o.run ?? runCommand;
  const ipt = o.iptables ?? hostIptables(run);
  const block = parseCidr(o.podCidr);
  const cluster = parseCidr(o.clusterCidr);
  if (!block) throw new Error(`invalid pod CIDR ${JSON.stringify(o.podCidr)}`);
  if (!cluster) throw new Error(`invalid cluster CIDR ${JSON.stringify(o.clusterCidr)}`);
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(o.bridge)) throw new Error(`invalid bridge name ${JSON.stringify(o.bridge)}`);
  const gateway = gatewayOf(block);
  const clusterText = formatCidr(cluster);
  const lockPath = o.lockPath === undefined ? networkLockPath() : o.lockPath;
  const unlock = lockPath ? takeLock(lockPath, o.owner ?? '') : () => {};
  try {
    return await setUp(o, run, ipt, block, clusterText, gateway, unlock, lockPath !== null);
  } catch (e) {
    unlock();
    throw e;
  }
}

async function setUp(o: PodNetworkOptions, run: Runner, ipt: Iptables, block: Cidr, clusterText: string, gateway: string, unlock: () => void, machineOwner: boolean): Promise<PodNetwork> {

  const created = !(await exists(run, o.bridge));
  if (created) await run('ip', ['link', 'add', o.bridge, 'type', 'bridge']);
  await run('ip', ['addr', 'replace', `${gateway}/${block.prefix}`, 'dev', o.bridge]);
  await run('ip', ['link', 'set', o.bridge, 'up']);

  const forwardBefore = await readSysctl(run, 'net.ipv4.ip_forward');
  if (forwardBefore !== '1') await run('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  // Bridged pod-to-pod packets must pass through iptables so that a Service's DNAT applies to them too.
  if ((await readSysctl(run, 'net.bridge.bridge-nf-call-iptables')) === '0') await run('sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=1']);

  await ipt.restore(podNetworkRules(clusterText, o.bridge));
  for (const [table, chain, target] of [['filter', 'FORWARD', forwardChain], ['nat', 'POSTROUTING', egressChain]] as const) {
    if (jumpsTo(await ipt.save(table), target).length === 0) await ipt.restore(jumpRule(table, chain, target, true));
  }

  let done = false;
  return {
    bridge: o.bridge,
    gateway,
    podCidr: formatCidr(block),
    clusterCidr: clusterText,
    async teardown() {
      if (done) return;
      done = true;
      await removePodNetworkRules(ipt);
      // Holding the machine's lock, the bridge is ours even when a crashed run created it.
      if (created || machineOwner) await run('ip', ['link', 'del', o.bridge]).catch(() => {});
      if (forwardBefore !== undefined && forwardBefore !== '1') await run('sysctl', ['-qw', `net.ipv4.ip_forward=${forwardBefore}`]).catch(() => {});
      unlock();
    },
  };
}

/** The restore text that removes setUpPodNetwork's jumps and chain from one table, given its iptables-save text. */
export function podNetworkRemovalText(table: 'filter' | 'nat', saved: string): string | undefined {
  const target = table === 'filter' ? forwardChain : egressChain;
  const lines = jumpsTo(saved, target).map((rule) => rule.replace(/^-A /, '-D '));
  if (chainsOf(saved).has(target)) lines.push(`-F ${target}`, `-X ${target}`);
  return lines.length > 0 ? `*${table}\n${lines.join('\n')}\nCOMMIT\n` : undefined;
}

/** Removes the jumps and chains setUpPodNetwork installed (also what a crashed run left behind). */
export async function removePodNetworkRules(ipt: Iptables): Promise<void> {
  for (const table of ['filter', 'nat'] as const) {
    const text = podNetworkRemovalText(table, await ipt.save(table));
    if (text) await ipt.restore(text);
  }
}
