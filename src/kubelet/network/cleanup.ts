// The last-resort clean-up when the process exits before its orderly shutdown finished (the shutdown timer's
// process.exit): only synchronous calls work in an 'exit' handler, so iptables-save/-restore and ip run with
// spawnSync. It removes the network-policy rules and IP sets, the service proxy's rules, the pod network's rules, the
// routes to other nodes' pods and the bridge.
import { spawnSync } from 'node:child_process';
import { readFileSync, unlinkSync } from 'node:fs';
import { networkLockPath, podNetworkRemovalText } from './pod-network.js';
import { setDestroyText, setsOf } from './ipset.js';
import { isPolicySet, policyRemovalText } from './policy/rules.js';
import { proxyRemovalText } from './proxy/proxier.js';
import { removePodRoutesSync } from './routes.js';

export function removeNodeNetworkSync(bridge: string | undefined, lockPath: string | undefined = networkLockPath()): void {
  const filter = spawnSync('iptables-save', ['-t', 'filter'], { encoding: 'utf8' });
  const policy = filter.status === 0 ? policyRemovalText(filter.stdout) : undefined;
  if (policy) spawnSync('iptables-restore', ['--noflush', '--wait'], { input: policy });
  // The sets once no rule names them (no ipset on the host: there are none).
  const sets = spawnSync('ipset', ['save'], { encoding: 'utf8' });
  const destroy = sets.status === 0 ? setDestroyText(setsOf(sets.stdout, isPolicySet).keys()) : undefined;
  if (destroy) spawnSync('ipset', ['-exist', 'restore'], { input: destroy });
  for (const table of ['filter', 'nat'] as const) {
    const saved = spawnSync('iptables-save', ['-t', table], { encoding: 'utf8' });
    if (saved.status !== 0) continue;
    const proxy = proxyRemovalText(table, saved.stdout);
    if (proxy) spawnSync('iptables-restore', ['--noflush', '--wait'], { input: proxy });
    const again = proxy ? spawnSync('iptables-save', ['-t', table], { encoding: 'utf8' }).stdout : saved.stdout;
    const pod = podNetworkRemovalText(table, again);
    if (pod) spawnSync('iptables-restore', ['--noflush', '--wait'], { input: pod });
  }
  removePodRoutesSync();
  if (bridge) spawnSync('ip', ['link', 'del', bridge]);
  try {
    if (lockPath && readFileSync(lockPath, 'utf8').startsWith(`${process.pid}\n`)) unlinkSync(lockPath);
  } catch {
    // no lock, or not ours
  }
}
