// NetworkPolicy as iptables rules in the filter table, the shape policy agents of common CNIs use: one entry
// chain (AKUBE-POLICY, jumped to from FORWARD and from INPUT for traffic out of the pod bridge) that lets replies
// through by conntrack and sends each policied pod's new traffic to its own chain, AKUBE-PI-<hash> for what
// reaches the pod and AKUBE-PE-<hash> for what leaves it. A pod chain marks what one of its allows matches
// and drops the rest; ipBlocks with exceptions get a chain of their own (AKUBE-IPB-<hash>) so an exception can
// step out before the block marks. Pure: same input, same text.
import { chainHash } from '../chain-name.js';
import { chainsOf } from '../iptables.js';
import type { Allow, PodPolicy, PortMatch } from './model.js';

export const policyEntryChain = 'AKUBE-POLICY';
export const ingressMark = '0x10000';
export const egressMark = '0x20000';
export const policyChainPrefixes = ['AKUBE-PI-', 'AKUBE-PE-', 'AKUBE-IPB-'] as const;

/**
 * The jumps into the entry chain: [built-in chain, rule arguments]; each must be the first rule of its chain, ahead
 * of the accepts of the pod network and the service proxy. Traffic the node itself sends to pods (probes, port
 * forwarding, a NodePort reached from the host) passes OUTPUT and is never filtered: Kubernetes always allows
 * traffic from a pod's node.
 */
export function policyJumpRules(bridge: string): [string, string][] {
  return [
    ['FORWARD', `-m comment --comment "a-kube network policies" -j ${policyEntryChain}`],
    // Pods reach the node itself (the API server, cluster DNS behind its Service) through INPUT.
    ['INPUT', `-i ${bridge} -m comment --comment "a-kube network policies" -j ${policyEntryChain}`],
  ];
}

function portArgs(p: PortMatch): string {
  const proto = p.protocol.toLowerCase();
  if (p.port === undefined) return `-p ${proto}`;
  const range = p.endPort !== undefined && p.endPort > p.port ? `${p.port}:${p.endPort}` : String(p.port);
  return `-p ${proto} -m ${proto} --dport ${range}`;
}

export interface PolicyRules {
  /** filter-table chains in writing order (sub-chains before the chains that jump to them). */
  chains: Map<string, string[]>;
}

function allowLines(chain: string, allow: Allow, dir: 'in' | 'out', mark: string, chains: Map<string, string[]>): string[] {
  const setMark = `-j MARK --set-xmark ${mark}/${mark}`;
  const peerFlag = dir === 'in' ? '-s' : '-d';
  const ports = allow.ports === 'any' ? [''] : allow.ports.map(portArgs);
  const out: string[] = [];
  const peers = allow.peers === 'any' ? [undefined] : allow.peers;
  for (const peer of peers) {
    for (const port of ports) {
      const portPart = port ? ` ${port}` : '';
      if (!peer) out.push(`-A ${chain}${portPart} ${setMark}`);
      else if (peer.kind === 'ip') out.push(`-A ${chain} ${peerFlag} ${peer.ip}/32${portPart} ${setMark}`);
      else if (peer.except.length === 0) out.push(`-A ${chain} ${peerFlag} ${peer.cidr}${portPart} ${setMark}`);
      else {
        const sub = `AKUBE-IPB-${chainHash(`${dir} ${peer.cidr} ${peer.except.join(',')} ${mark}`)}`;
        if (!chains.has(sub)) {
          chains.set(sub, [
            ...peer.except.map((e) => `-A ${sub} ${peerFlag} ${e} -j RETURN`),
            `-A ${sub} ${peerFlag} ${peer.cidr} ${setMark}`,
          ]);
        }
        out.push(`-A ${chain}${portPart} -j ${sub}`);
      }
    }
  }
  return out;
}

function podChain(chain: string, allows: readonly Allow[], dir: 'in' | 'out', mark: string, comment: string, chains: Map<string, string[]>): string[] {
  const lines: string[] = [];
  for (const a of allows) lines.push(...allowLines(chain, a, dir, mark, chains));
  lines.push(`-A ${chain} -m mark --mark ${mark}/${mark} -j RETURN`);
  lines.push(`-A ${chain} -m comment --comment "${comment}" -j DROP`);
  return lines;
}

export function buildPolicyRules(pods: readonly PodPolicy[]): PolicyRules {
  const chains = new Map<string, string[]>();
  const entry: string[] = [`-A ${policyEntryChain} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`];
  const podChains: [string, string[]][] = [];
  for (const p of pods) {
    const id = `${p.namespace}/${p.name}`;
    if (p.ingress) {
      const chain = `AKUBE-PI-${chainHash(`ingress ${id}`)}`;
      podChains.push([chain, podChain(chain, p.ingress, 'in', ingressMark, `${id} ingress denied by network policy`, chains)]);
      entry.push(`-A ${policyEntryChain} -d ${p.ip}/32 -m comment --comment "${id} ingress" -j ${chain}`);
    }
    if (p.egress) {
      const chain = `AKUBE-PE-${chainHash(`egress ${id}`)}`;
      podChains.push([chain, podChain(chain, p.egress, 'out', egressMark, `${id} egress denied by network policy`, chains)]);
      entry.push(`-A ${policyEntryChain} -s ${p.ip}/32 -m comment --comment "${id} egress" -j ${chain}`);
    }
  }
  for (const [c, lines] of podChains) chains.set(c, lines);
  chains.set(policyEntryChain, entry);
  return { chains };
}

/** One iptables-restore text for the filter table: every chain flushed and rewritten, stale policy chains deleted. */
export function policyRestoreText(rules: PolicyRules, previous: ReadonlySet<string> = new Set()): string {
  const names = [...rules.chains.keys()];
  const stale = [...previous].filter((c) => !rules.chains.has(c) && policyChainPrefixes.some((p) => c.startsWith(p))).sort();
  return [
    '*filter',
    ...names.map((c) => `:${c} - [0:0]`),
    ...stale.map((c) => `:${c} - [0:0]`),
    ...names.flatMap((c) => rules.chains.get(c) ?? []),
    ...stale.map((c) => `-X ${c}`),
    'COMMIT',
    '',
  ].join('\n');
}

const ourChain = (c: string) => c === policyEntryChain || policyChainPrefixes.some((p) => c.startsWith(p));

/**
 * The restore text that puts each jump first in its built-in chain (moving or adding it), or undefined when
 * all are in place. `saved` is the filter table in iptables-save form.
 */
export function policyJumpRepairText(saved: string, bridge: string): string | undefined {
  const lines = saved.split('\n');
  const out: string[] = [];
  for (const [chain, args] of policyJumpRules(bridge)) {
    const rules = lines.filter((l) => l.startsWith(`-A ${chain} `));
    const ours = rules.filter((l) => l.endsWith(` -j ${policyEntryChain}`));
    if (ours.length === 1 && rules[0] === ours[0]) continue;
    for (const l of ours) out.push(l.replace(/^-A /, '-D '));
    out.push(`-I ${chain} 1 ${args}`);
  }
  return out.length ? ['*filter', ...out, 'COMMIT', ''].join('\n') : undefined;
}

/** The restore text that takes every jump into the policy chains and the chains themselves out (also after a crash). */
export function policyRemovalText(saved: string): string | undefined {
  const ours = [...chainsOf(saved)].filter(ourChain);
  if (ours.length === 0) return undefined;
  const set = new Set(ours);
  const jumps = saved
    .split('\n')
    .filter((l) => l.startsWith('-A ') && !set.has(l.split(' ')[1] ?? '') && set.has(/ -j (\S+)/.exec(l)?.[1] ?? ''))
    .map((l) => l.replace(/^-A /, '-D '));
  return ['*filter', ...jumps, ...ours.map((c) => `-F ${c}`), ...ours.map((c) => `-X ${c}`), 'COMMIT', ''].join('\n');
}
