// What `top node` and `top pod` read from their command lines alike: one NAME or a label selector, the
// sort order, and the header switch.
import type { FlagSpec, ParsedCommandLine } from '../args.js';
import type { CommandContext } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { parseSortBy, type SortBy } from './top-format.js';

export const metricsBase = '/apis/metrics.k8s.io/v1beta1';

/** The flags both commands take; `things` names what is listed ("nodes", "pods"). */
export function topFlags(things: string): FlagSpec[] {
  return [
    { name: 'no-headers', kind: 'bool', usage: 'Leave out the header line.' },
    { name: 'selector', short: 'l', kind: 'string', usage: `Label selector the ${things} must match (e.g. -l key1=value1,key2=value2).` },
    { name: 'sort-by', kind: 'string', usage: `Order the ${things} by cpu or memory, largest first.` },
  ];
}

export interface TopTarget {
  /** The one object asked for, or '' for a list. */
  name: string;
  /** The list's query: the label selector when one was given. */
  query: { labelSelector?: string };
  sortBy: SortBy;
  noHeaders: boolean;
}

export function parseTopTarget(ctx: CommandContext, args: ParsedCommandLine, thing: string): TopTarget {
  const f = args.flags;
  if (args.positionals.length > 1) throw new UsageError(`at most one ${thing} name may be given`, ctx.path);
  const name = args.positionals[0] ?? '';
  const selector = f.string('selector');
  if (name && selector) throw new UsageError('only one of NAME or --selector can be provided', ctx.path);
  let sortBy: SortBy;
  try {
    sortBy = parseSortBy(f.string('sort-by'));
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message : String(e));
  }
  return { name, query: selector ? { labelSelector: selector } : {}, sortBy, noHeaders: f.bool('no-headers') };
}
