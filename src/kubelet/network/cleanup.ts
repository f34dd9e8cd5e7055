// The last-resort clean-up when the process exits before its orderly shutdown finished (the shutdown timer's
// process.exit): only synchronous calls work in an 'exit' handler, so iptables-save/-restore and ip run with
// spawnSync. It removes the network-policy rules, the service proxy's rules, the pod network's rules and the bridge.
import { spawnSync } from 'node:child_process';
import { readFileSync, unlinkSync } from 'node:fs';
import { defaultNetworkLock, podNetworkRemovalText } from './pod-network.js';
import { policyRemovalText } from './policy/rules.js';
import { proxyRemovalText } from './proxy/proxier.js';

export function removeNodeNetworkSync(bridge: string | undefined, lockPath: string | undefined = defaultNetworkLock): void {
  const filter = spawnSync('iptables-save', ['-t', 'filter'], { encoding: 'utf8' });
  const policy = filter.status === 0 ? policyRemovalText(filter.stdout) : undefined;
  if (policy) spawnSync('iptables-restore', ['--noflush', '--wait'], { input: policy });
  for (const table of ['filter', 'nat'] as const) {
    const saved = spawnSync('iptables-save', ['-t', table], { encoding: 'utf8' });
    if (saved.status !== 0) continue;
    const proxy = proxyRemovalText(table, saved.stdout);
    if (proxy) spawnSync('iptables-restore', ['--noflush', '--wait'], { input: proxy });
    const again = proxy ? spawnSync('iptables-save', ['-t', table], { encoding: 'utf8' }).stdout : saved.stdout;
    const pod = podNetworkRemovalText(table, again);
    if (pod) spawnSync('iptables-restore', ['--noflush', '--wait'], { input: pod });
  }
  if (bridge) spawnSync('ip', ['link', 'del', bridge]);
  try {
    if (lockPath && readFileSync(lockPath, 'utf8').startsWith(`${process.pid}\n`)) unlinkSync(lockPath);
  } catch {
    // no lock, or not ours
  }
}
