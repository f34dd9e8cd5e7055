// The last-resort clean-up when the process exits before its orderly shutdown finished (the shutdown timer's
// process.exit): only synchronous calls work in an 'exit' handler, so iptables-save/-restore and ip run with
// spawnSync. It removes the service proxy's rules, the pod network's rules and the bridge.
import { spawnSync } from 'node:child_process';
import { readFileSync, unlinkSync } from 'node:fs';
import { defaultNetworkLock, podNetworkRemovalText } from './pod-network.js';
import { proxyRemovalText } from './proxy/proxier.js';

export function removeNodeNetworkSync(bridge: string | undefined, lockPath: string | undefined = defaultNetworkLock): void {
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
