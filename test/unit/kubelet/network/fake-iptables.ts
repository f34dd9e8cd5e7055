// An in-memory iptables for unit tests: iptables-save output and `iptables-restore --noflush` input with the
// semantics the node's rule writers rely on (declaring a chain creates or flushes it, -A/-I/-D/-F/-X, a table
// applied all or nothing, a jump to a missing chain, a match on a missing IP set (when linked to a FakeIpset) or
// the deletion of a chain still jumped to refused).
// Every restore text is kept for the test to read.
import type { Iptables, Table } from '../../../../src/kubelet/network/iptables.js';

const builtins: Record<Table, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
};
const verdicts = new Set(['ACCEPT', 'DROP', 'RETURN', 'REJECT', 'MARK', 'MASQUERADE', 'DNAT', 'SNAT']);

type Chains = Map<string, string[]>;

export class FakeIptables implements Iptables {
  readonly restores: string[] = [];
  readonly saves: Table[] = [];
  readonly #tables = new Map<Table, Chains>();
  /** The IP sets rules may name (set by FakeIpset.link): a rule naming another is refused. */
  sets: { has(name: string): boolean } | undefined;

  /** Whether any rule matches on the IP set `name`. */
  namesSet(name: string): boolean {
    for (const chains of this.#tables.values()) for (const rules of chains.values()) if (rules.some((r) => r.includes(`--match-set ${name} `))) return true;
    return false;
  }

  constructor() {
    for (const t of Object.keys(builtins) as Table[]) this.#tables.set(t, new Map(builtins[t].map((c) => [c, []])));
  }

  /** The rules of one chain, as `-A CHAIN …` lines (undefined: no such chain). */
  chain(table: Table, name: string): string[] | undefined {
    return this.#tables.get(table)?.get(name)?.map((r) => `-A ${name} ${r}`);
  }

  async save(table: Table): Promise<string> {
    this.saves.push(table);
    const chains = this.#tables.get(table)!;
    const lines = [`*${table}`];
    for (const name of chains.keys()) lines.push(`:${name} ${builtins[table].includes(name) ? 'ACCEPT' : '-'} [0:0]`);
    for (const [name, rules] of chains) for (const r of rules) lines.push(`-A ${name} ${r}`);
    lines.push('COMMIT', '');
    return lines.join('\n');
  }

  async restore(text: string): Promise<void> {
    this.restores.push(text);
    let table: Table | undefined;
    let work: Chains | undefined;
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      if (line.startsWith('*')) {
        table = line.slice(1) as Table;
        work = new Map([...this.#tables.get(table)!].map(([k, v]) => [k, [...v]]));
        continue;
      }
      if (!table || !work) throw new Error(`iptables-restore: line outside a table: ${line}`);
      if (line === 'COMMIT') {
        for (const [name, rules] of work) {
          for (const r of rules) {
            const target = / -j (\S+)/.exec(` ${r}`)?.[1];
            if (target && !verdicts.has(target) && !work.has(target)) throw new Error(`iptables-restore: ${name} jumps to missing chain ${target}`);
            const set = / --match-set (\S+) /.exec(` ${r}`)?.[1];
            if (set && this.sets && !this.sets.has(set)) throw new Error(`iptables-restore: Set ${set} doesn't exist.`);
          }
        }
        this.#tables.set(table, work);
        table = undefined;
        work = undefined;
        continue;
      }
      if (line.startsWith(':')) {
        work.set(line.slice(1).split(' ')[0]!, []);
        continue;
      }
      const [op, chain = '', ...rest] = line.split(' ');
      const rules = work.get(chain);
      if (!rules) throw new Error(`iptables-restore: no chain ${chain} (${line})`);
      if (op === '-A') rules.push(rest.join(' '));
      else if (op === '-I') {
        const pos = /^\d+$/.test(rest[0] ?? '') ? Number(rest.shift()) : 1;
        rules.splice(pos - 1, 0, rest.join(' '));
      } else if (op === '-D') {
        const i = rules.indexOf(rest.join(' '));
        if (i < 0) throw new Error(`iptables-restore: no rule to delete in ${chain}: ${rest.join(' ')}`);
        rules.splice(i, 1);
      } else if (op === '-F') rules.length = 0;
      else if (op === '-X') {
        if (rules.length > 0) throw new Error(`iptables-restore: chain ${chain} is not empty`);
        for (const [other, rs] of work) if (rs.some((r) => r.endsWith(` -j ${chain}`) || r.includes(` -j ${chain} `))) throw new Error(`iptables-restore: ${other} still jumps to ${chain}`);
        work.delete(chain);
      } else throw new Error(`iptables-restore: unknown command ${line}`);
    }
    if (table) throw new Error('iptables-restore: missing COMMIT');
  }
}
