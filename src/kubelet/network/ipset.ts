// IP sets through Debian's ipset (kernel ip_set, matched from iptables-nft rules by xt_set): a whole change goes
// in as one `ipset restore`, and `ipset save` reads the sets back. Set names follow the chain-name rule (a fixed
// prefix plus chainHash) and fit ipset's 31-character limit.
import { runCommand, type Runner } from './command.js';

export type SetType = 'hash:ip' | 'hash:ip,port';

export interface Ipset {
  /** Applies `ipset restore` text (with -exist: creating an identical set or adding a present member is no error). */
  restore(text: string): Promise<void>;
  /** Every set in `ipset save` form. */
  save(): Promise<string>;
}

export function hostIpset(run: Runner = runCommand): Ipset {
  return {
    async restore(text) {
      await run('ipset', ['-exist', 'restore'], text);
    },
    async save() {
      return (await run('ipset', ['save'])).stdout;
    },
  };
}

/** The problem that keeps ipset from working here (tool missing, kernel without ip_set), or undefined when it works. */
export async function ipsetProblem(ipset: Ipset): Promise<string | undefined> {
  try {
    await ipset.save();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** The sets of `ipset save` output whose names pass `keep`: name → members as ipset prints them. */
export function setsOf(saved: string, keep: (name: string) => boolean = () => true): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of saved.split('\n')) {
    const [verb, name = '', member] = line.split(' ');
    if (!keep(name)) continue;
    if (verb === 'create') out.set(name, out.get(name) ?? new Set());
    else if (verb === 'add' && member !== undefined) (out.get(name) ?? out.set(name, new Set()).get(name)!).add(member);
  }
  return out;
}

/** `ipset restore` text that destroys the named sets (after the rules that match on them are gone). */
export function setDestroyText(names: Iterable<string>): string | undefined {
  const lines = [...names].sort().map((n) => `destroy ${n}`);
  return lines.length ? `${lines.join('\n')}\n` : undefined;
}
