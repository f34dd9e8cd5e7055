// iptables through iptables-restore and iptables-save (Debian's iptables, nft backend): a whole change
// goes in as one restore, which the kernel applies atomically per table.
import { runCommand, type Runner } from './command.js';

export type Table = 'filter' | 'nat' | 'mangle' | 'raw';

export interface Iptables {
  /** Applies restore-format text without flushing chains it does not name (`--noflush`). */
  restore(text: string): Promise<void>;
  /** The table in iptables-save format. */
  save(table: Table): Promise<string>;
}

export function hostIptables(run: Runner = runCommand): Iptables {
  return {
    async restore(text) {
      await run('iptables-restore', ['--noflush', '--wait'], text);
    },
    async save(table) {
      return (await run('iptables-save', ['-t', table])).stdout;
    },
  };
}

/** Chain names declared in a table of iptables-save output (":NAME POLICY [p:b]" lines). */
export function chainsOf(saved: string): Set<string> {
  const out = new Set<string>();
  for (const line of saved.split('\n')) if (line.startsWith(':')) out.add(line.slice(1).split(' ')[0] ?? '');
  return out;
}

/** The `-A CHAIN …` rules of a table that jump to `target`. */
export function jumpsTo(saved: string, target: string): string[] {
  return saved.split('\n').filter((l) => l.startsWith('-A ') && (l.endsWith(` -j ${target}`) || l.includes(` -j ${target} `)));
}
