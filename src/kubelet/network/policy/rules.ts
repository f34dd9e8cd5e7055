// NetworkPolicy as iptables rules in the filter table plus IP sets, so that the rules grow with policies × rules
// and pods only change set members. One entry chain (AKUBE-POLICY, jumped to from FORWARD and from INPUT for
// traffic out of the pod bridge) lets replies through by conntrack, lets a pod reach itself (AKUBE-POLICY-SELF),
// sends new traffic to or from each policy's selected pods (set AKUBE-SEL-<hash>) to that policy's chain
// (AKUBE-PI-<hash> for ingress, AKUBE-PE-<hash> for egress), and finally drops what reaches an ingress-isolated
// pod (set AKUBE-INGRESS-ISOLATED) without the ingress mark, or leaves an egress-isolated one
// (AKUBE-EGRESS-ISOLATED) without the egress mark. A policy chain has one line per rule × peer kind × port and
// marks what it admits: pod peers are a set (AKUBE-PEER-<hash>), named ports an address,port set of the
// receiving pods (AKUBE-NPORT-<hash>); ipBlocks with exceptions get a chain (AKUBE-IPB-<hash>) so an exception
// steps out before the block marks. Without ipset, expandSets() turns each set match into one rule per member.
// No I/O: same input, same text (the builders yield to the event loop between policies and chains).
import { chainHash } from '../chain-name.js';
import { chainsOf } from '../iptables.js';
import type { SetType } from '../ipset.js';
import type { CidrPeer, PortMatch, ResolvedPolicy, RuleAllow } from './model.js';
import { TimeSlice } from './time-slice.js';

export const policyEntryChain = 'AKUBE-POLICY';
/** Marks traffic from a pod to itself (a Service hairpin) as admitted: a pod cannot block access to itself. */
export const selfChain = 'AKUBE-POLICY-SELF';
export const ingressMark = '0x10000';
export const egressMark = '0x20000';
export const policyChainPrefixes = ['AKUBE-PI-', 'AKUBE-PE-', 'AKUBE-IPB-'] as const;
export const ingressIsolatedSet = 'AKUBE-INGRESS-ISOLATED';
export const egressIsolatedSet = 'AKUBE-EGRESS-ISOLATED';
export const policySetPrefixes = ['AKUBE-SEL-', 'AKUBE-PEER-', 'AKUBE-NPORT-'] as const;

/** Whether an IP set is one the policy agent writes (also one a crashed run left). */
export const isPolicySet = (name: string) => name === ingressIsolatedSet || name === egressIsolatedSet || policySetPrefixes.some((p) => name.startsWith(p));
const ourChain = (c: string) => c === policyEntryChain || c === selfChain || policyChainPrefixes.some((p) => c.startsWith(p));

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

export interface PolicySet {
  type: SetType;
  /** Members as ipset writes them ("10.244.0.5", "10.244.0.5,tcp:8080"), sorted. */
  members: string[];
}

export interface PolicyRules {
  /** filter-table chains in writing order (sub-chains before the chains that jump to them). */
  chains: Map<string, string[]>;
  /** The IP sets the chains match on. */
  sets: Map<string, PolicySet>;
}

function portArgs(p: PortMatch): string {
  const proto = p.protocol.toLowerCase();
  if (p.port === undefined) return `-p ${proto}`;
  const range = p.endPort !== undefined && p.endPort > p.port ? `${p.port}:${p.endPort}` : String(p.port);
  return `-p ${proto} -m ${proto} --dport ${range}`;
}

const matchSet = (name: string, flags: 'src' | 'dst' | 'dst,dst') => `-m set --match-set ${name} ${flags}`;
const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

/** The lines of one rule of a policy: every peer match × every port match, each setting the mark. */
function ruleLines(chain: string, ruleId: string, allow: RuleAllow, dir: 'in' | 'out', mark: string, rules: PolicyRules): string[] {
  const setMark = `-j MARK --set-xmark ${mark}/${mark}`;
  const peerFlag = dir === 'in' ? '-s' : '-d';
  const ports: string[] = [];
  if (allow.ports === 'any') ports.push('');
  else {
    ports.push(...allow.ports.numbered.map(portArgs));
    if (allow.ports.named) {
      const name = `AKUBE-NPORT-${chainHash(ruleId)}`;
      rules.sets.set(name, { type: 'hash:ip,port', members: sorted(allow.ports.named.map((n) => `${n.ip},${n.protocol.toLowerCase()}:${n.port}`)) });
      ports.push(matchSet(name, 'dst,dst'));
    }
  }
  const peers: (string | CidrPeer)[] = [];
  if (allow.peers === 'any') peers.push('');
  else {
    if (allow.peers.pods) {
      const name = `AKUBE-PEER-${chainHash(ruleId)}`;
      rules.sets.set(name, { type: 'hash:ip', members: sorted(allow.peers.pods) });
      peers.push(matchSet(name, dir === 'in' ? 'src' : 'dst'));
    }
    peers.push(...allow.peers.blocks);
  }
  const out: string[] = [];
  for (const peer of peers) {
    for (const port of ports) {
      const portPart = port ? ` ${port}` : '';
      if (typeof peer === 'string') out.push(`-A ${chain}${peer ? ` ${peer}` : ''}${portPart} ${setMark}`);
      else if (peer.except.length === 0) out.push(`-A ${chain} ${peerFlag} ${peer.cidr}${portPart} ${setMark}`);
      else {
        const sub = `AKUBE-IPB-${chainHash(`${dir} ${peer.cidr} ${peer.except.join(',')} ${mark}`)}`;
        if (!rules.chains.has(sub)) {
          rules.chains.set(sub, [...peer.except.map((e) => `-A ${sub} ${peerFlag} ${e} -j RETURN`), `-A ${sub} ${peerFlag} ${peer.cidr} ${setMark}`]);
        }
        out.push(`-A ${chain}${portPart} -j ${sub}`);
      }
    }
  }
  return out;
}

/**
 * The chains and sets for the resolved policies (in the order given: each policy's place in AKUBE-POLICY).
 * Yields to the event loop between policies when the slice is used up.
 */
export async function buildPolicyRules(policies: readonly ResolvedPolicy[], slice = new TimeSlice()): Promise<PolicyRules> {
  const rules: PolicyRules = { chains: new Map(), sets: new Map() };
  const entry: string[] = [`-A ${policyEntryChain} -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN`];
  const ingressIsolated: string[] = [];
  const egressIsolated: string[] = [];
  entry.push(`-A ${policyEntryChain} ${matchSet(ingressIsolatedSet, 'dst')} -j ${selfChain}`);
  const policyChains: [string, string[]][] = [];
  for (const p of policies) {
    const id = `${p.namespace}/${p.name}`;
    const selected = `AKUBE-SEL-${chainHash(id)}`;
    if (p.ingress || p.egress) rules.sets.set(selected, { type: 'hash:ip', members: p.selected });
    for (const [dir, allows, mark, flag, isolated] of [['in', p.ingress, ingressMark, 'dst', ingressIsolated], ['out', p.egress, egressMark, 'src', egressIsolated]] as const) {
      if (!allows) continue;
      isolated.push(...p.selected);
      const word = dir === 'in' ? 'ingress' : 'egress';
      const chain = `${dir === 'in' ? 'AKUBE-PI-' : 'AKUBE-PE-'}${chainHash(`${word} ${id}`)}`;
      policyChains.push([chain, allows.flatMap((a, i) => ruleLines(chain, `${word} ${id} ${i}`, a, dir, mark, rules))]);
      // A packet another policy already admitted skips the rest (policies add up).
      entry.push(`-A ${policyEntryChain} -m mark ! --mark ${mark}/${mark} ${matchSet(selected, flag)} -m comment --comment "${id} ${word}" -j ${chain}`);
    }
    await slice.pause();
  }
  entry.push(`-A ${policyEntryChain} ${matchSet(ingressIsolatedSet, 'dst')} -m mark ! --mark ${ingressMark}/${ingressMark} -m comment --comment "ingress denied by network policy" -j DROP`);
  entry.push(`-A ${policyEntryChain} ${matchSet(egressIsolatedSet, 'src')} -m mark ! --mark ${egressMark}/${egressMark} -m comment --comment "egress denied by network policy" -j DROP`);
  rules.sets.set(ingressIsolatedSet, { type: 'hash:ip', members: sorted(ingressIsolated) });
  rules.sets.set(egressIsolatedSet, { type: 'hash:ip', members: sorted(egressIsolated) });
  // A pod reaching itself (through a Service, after DNAT): per ingress-isolated pod, source = destination.
  rules.chains.set(selfChain, sorted(ingressIsolated).map((ip) => `-A ${selfChain} -s ${ip}/32 -d ${ip}/32 -m comment --comment "a pod reaching itself" -j MARK --set-xmark ${ingressMark}/${ingressMark}`));
  for (const [c, lines] of policyChains) rules.chains.set(c, lines);
  rules.chains.set(policyEntryChain, entry);
  return rules;
}

const setMatch = / -m set --match-set (\S+) (dst,dst|src|dst)(?= |$)/;

/** What one member of a set stands for in a rule that matches on it with `flags`. */
function memberArgs(member: string, flags: string): string {
  if (flags === 'src') return `-s ${member}/32`;
  if (flags === 'dst') return `-d ${member}/32`;
  const [ip = '', protoPort = ''] = member.split(',');
  const [proto = '', port = ''] = protoPort.split(':');
  return `-d ${ip}/32 -p ${proto} -m ${proto} --dport ${port}`;
}

/**
 * The same rules without IP sets (for a host without ipset): each line that matches on a set becomes one line
 * per member (per pair of members for two sets), an empty set none. Yields to the event loop between chains.
 */
export async function expandSets(rules: PolicyRules, slice = new TimeSlice()): Promise<PolicyRules> {
  const chains = new Map<string, string[]>();
  const expand = (line: string): string[] => {
    const m = setMatch.exec(line);
    if (!m) return [line];
    const members = rules.sets.get(m[1] ?? '')?.members ?? [];
    const out: string[] = [];
    for (const member of members) out.push(...expand(line.replace(m[0], ` ${memberArgs(member, m[2] ?? '')}`)));
    return out;
  };
  for (const [name, lines] of rules.chains) {
    const out: string[] = [];
    for (const line of lines) for (const l of expand(line)) out.push(l);
    chains.set(name, out);
    await slice.pause();
  }
  return { chains, sets: new Map() };
}

/**
 * One iptables-restore text for the filter table: the chains given flushed and rewritten (`changed`, default all),
 * `edits` (-A/-D lines for chains not flushed) applied, stale policy chains deleted. Chains not named keep their
 * rules (--noflush).
 */
export function policyRestoreText(rules: PolicyRules, previous: ReadonlySet<string> = new Set(), changed?: ReadonlySet<string>, edits: readonly string[] = []): string {
  const names = [...rules.chains.keys()].filter((c) => !changed || changed.has(c));
  const stale = [...previous].filter((c) => !rules.chains.has(c) && ourChain(c) && c !== policyEntryChain).sort();
  return [
    '*filter',
    ...names.map((c) => `:${c} - [0:0]`),
    ...stale.map((c) => `:${c} - [0:0]`),
    ...edits,
    ...names.flatMap((c) => rules.chains.get(c) ?? []),
    ...stale.map((c) => `-X ${c}`),
    'COMMIT',
    '',
  ].join('\n');
}

/**
 * The edits that turn a chain whose rules do not depend on their order (the self chain: one rule per pod, none
 * overlapping) from `before` into `after`: -D for each rule gone, -A for each new one. A pod coming or going
 * then costs one line, not a rewrite of the chain.
 */
export function unorderedChainEdits(before: readonly string[], after: readonly string[]): string[] {
  const had = new Set(before);
  const has = new Set(after);
  return [...before.filter((l) => !has.has(l)).map((l) => l.replace(/^-A /, '-D ')), ...after.filter((l) => !had.has(l))];
}

/**
 * The jumps that put each jump first in its built-in chain (moving or adding it), or undefined when all are in
 * place. `saved` is the filter table in iptables-save form.
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

/**
 * `ipset restore` text that brings the host's policy sets (`onHost`: name → members) to `want`; destroys come
 * separately, after the rules. Yields to the event loop between sets.
 */
export async function setUpdateText(want: ReadonlyMap<string, PolicySet>, onHost: ReadonlyMap<string, ReadonlySet<string>>, slice = new TimeSlice()): Promise<string | undefined> {
  const lines: string[] = [];
  for (const [name, set] of want) {
    await slice.pause();
    const have = onHost.get(name);
    if (!have) lines.push(`create ${name} ${set.type} family inet`);
    const wanted = new Set(set.members);
    for (const m of set.members) if (!have?.has(m)) lines.push(`add ${name} ${m}`);
    if (have) for (const m of have) if (!wanted.has(m)) lines.push(`del ${name} ${m}`);
  }
  return lines.length ? `${lines.join('\n')}\n` : undefined;
}
