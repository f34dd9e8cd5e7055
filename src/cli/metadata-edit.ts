// Shared by `label` and `annotate`: KEY=VALUE / KEY- arguments, the overwrite rule, and the merge patch.
import { getOwn, setOwn } from '../api/own.js';
import { CliError } from './errors.js';

export interface MetadataChanges {
  set: Map<string, string>;
  remove: string[];
}

export function isChangeArg(arg: string): boolean {
  return arg.includes('=') || (arg.endsWith('-') && arg.length > 1 && !arg.includes('/'));
}

export function parseChanges(args: string[], what: 'label' | 'annotation'): MetadataChanges {
  const set = new Map<string, string>();
  const remove: string[] = [];
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq >= 0) {
      const key = a.slice(0, eq);
      if (!key) throw new CliError(`invalid ${what} spec: ${a}`);
      set.set(key, a.slice(eq + 1));
    } else if (a.endsWith('-')) remove.push(a.slice(0, -1));
    else throw new CliError(`invalid ${what} spec: ${a}`);
  }
  for (const r of remove) if (set.has(r)) throw new CliError(`can not both modify and remove ${what}s in the same command`);
  return { set, remove };
}

/** The changed keys only: new/different values, and null for removals of keys that exist. */
export function metadataPatch(current: Record<string, string> | undefined, changes: MetadataChanges): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of changes.set) if (getOwn(current, k) !== v) setOwn(out, k, v);
  for (const k of changes.remove) if (current && Object.hasOwn(current, k)) setOwn(out, k, null);
  return out;
}

export function overwriteConflicts(current: Record<string, string> | undefined, changes: MetadataChanges): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of changes.set) {
    const cur = current?.[k];
    if (cur !== undefined && cur !== v) out.push([k, cur]);
  }
  return out;
}
