// Whether bridged traffic passes through iptables. Pods on one node talk across the Linux bridge, and the
// kernel hands bridged frames to iptables (FORWARD, and nat for a Service's DNAT) only when the br_netfilter
// module is loaded and net.bridge.bridge-nf-call-iptables is 1. Without it, rules written for pod-to-pod
// traffic on the same node silently do nothing; this module turns it on or says exactly why it cannot.
import type { Runner } from './command.js';

const key = 'net.bridge.bridge-nf-call-iptables';

export type BridgeNetfilter = { enabled: true; changed: string[] } | { enabled: false; problem: string };

async function read(run: Runner): Promise<string | undefined> {
  try {
    return (await run('sysctl', ['-n', key])).stdout.trim();
  } catch {
    return undefined; // the key exists only while br_netfilter is loaded
  }
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).trim();

/** Loads br_netfilter when its sysctl is missing and sets the sysctl to 1; reports what it changed. */
export async function ensureBridgeNetfilter(run: Runner): Promise<BridgeNetfilter> {
  const changed: string[] = [];
  let value = await read(run);
  if (value === undefined) {
    try {
      await run('modprobe', ['br_netfilter']);
      changed.push('loaded the br_netfilter module');
    } catch (e) {
      return {
        enabled: false,
        problem: `the br_netfilter kernel module is not loaded and could not be loaded (${message(e)}); run \`modprobe br_netfilter\` on the host (and list br_netfilter in /etc/modules-load.d/ to keep it), then restart a-kube`,
      };
    }
    value = await read(run);
    if (value === undefined) return { enabled: false, problem: `br_netfilter is loaded but ${key} is missing; check that the kernel supports bridge netfilter, then restart a-kube` };
  }
  if (value !== '1') {
    try {
      await run('sysctl', ['-qw', `${key}=1`]);
    } catch (e) {
      return { enabled: false, problem: `${key} is ${value} and could not be set to 1 (${message(e)}); run \`sysctl -w ${key}=1\` on the host, then restart a-kube` };
    }
    if ((await read(run)) !== '1') return { enabled: false, problem: `${key} stays ${value} after setting it to 1; run \`sysctl -w ${key}=1\` on the host, then restart a-kube` };
    changed.push(`set ${key}=1`);
  }
  return { enabled: true, changed };
}
