// An in-memory ipset for unit tests: `ipset -exist restore` input (create, add, del, flush, destroy) and `ipset
// save` output, applied line by line as ipset does. Linked to a FakeIptables, it refuses to destroy a set a rule
// still matches on, and the iptables fake refuses a rule that names a missing set. Every restore text is kept.
import type { Ipset, SetType } from '../../../../src/kubelet/network/ipset.js';
import type { FakeIptables } from './fake-iptables.js';

const types = new Set<string>(['hash:ip', 'hash:ip,port']);

export class FakeIpset implements Ipset {
  readonly restores: string[] = [];
  readonly #sets = new Map<string, { type: SetType; members: Set<string> }>();
  #iptables: FakeIptables | undefined;

  /** Ties the fake to the rules that match on its sets. */
  link(iptables: FakeIptables): this {
    this.#iptables = iptables;
    iptables.sets = { has: (name) => this.#sets.has(name) };
    return this;
  }

  /** A set's members, sorted (undefined: no such set). */
  members(name: string): string[] | undefined {
    const set = this.#sets.get(name);
    return set ? [...set.members].sort() : undefined;
  }

  names(): string[] {
    return [...this.#sets.keys()].sort();
  }

  async save(): Promise<string> {
    const lines: string[] = [];
    for (const [name, set] of this.#sets) {
      lines.push(`create ${name} ${set.type} family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x12345678`);
      for (const m of set.members) lines.push(`add ${name} ${m}`);
    }
    return lines.map((l) => `${l}\n`).join('');
  }

  async restore(text: string): Promise<void> {
    this.restores.push(text);
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const [verb, name = '', arg] = line.trim().split(/\s+/);
      const set = this.#sets.get(name);
      if (verb === 'create') {
        if (!arg || !types.has(arg)) throw new Error(`ipset: unknown type ${arg ?? ''}`);
        if (set && set.type !== arg) throw new Error(`ipset: set ${name} exists with another type`);
        if (name.length > 31) throw new Error(`ipset: name too long: ${name}`);
        if (!set) this.#sets.set(name, { type: arg as SetType, members: new Set() });
        continue;
      }
      if (!set) throw new Error(`ipset: The set with the given name does not exist: ${line}`);
      if (verb === 'add' && arg) {
        if ((set.type === 'hash:ip') !== !arg.includes(',')) throw new Error(`ipset: bad element for ${set.type}: ${arg}`);
        set.members.add(arg);
      } else if (verb === 'del' && arg) set.members.delete(arg);
      else if (verb === 'flush') set.members.clear();
      else if (verb === 'destroy') {
        if (this.#iptables?.namesSet(name)) throw new Error(`ipset: Set cannot be destroyed: it is in use by a kernel component (${name})`);
        this.#sets.delete(name);
      } else throw new Error(`ipset: unknown command ${line}`);
    }
  }
}
