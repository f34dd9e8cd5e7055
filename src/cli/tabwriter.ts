// Go's text/tabwriter for the commands' own tables (describe, rollout history, api-resources...):
// the layout lives once, in the printers' TabWriter.
import { formatColumns } from './printers/tabwriter.js';

export interface TabwriterOptions {
  minwidth: number;
  padding: number;
}

export function formatTabbed(text: string, opts: TabwriterOptions): string {
  return formatColumns(text, { minWidth: opts.minwidth, padding: opts.padding, rememberWidths: false });
}

/** kubectl's table writer (minwidth 6, padding 3) over rows of cells. */
export function tabulate(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  return formatTabbed(`${rows.map((r) => r.join('\t')).join('\n')}\n`, { minwidth: 6, padding: 3 });
}
