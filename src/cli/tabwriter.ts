// Go's text/tabwriter (no flags, blank padding): a tab-terminated cell is padded to the width of its
// column block (consecutive lines that have that cell); the last cell of a line is written as is.

export interface TabwriterOptions {
  minwidth: number;
  padding: number;
}

const width = (s: string) => [...s].length;

export function formatTabbed(text: string, opts: TabwriterOptions): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  const widths: number[][] = lines.map(() => []);
  const maxColumns = Math.max(0, ...lines.map((l) => l.length - 1));
  for (let c = 0; c < maxColumns; c++) {
    let i = 0;
    while (i < lines.length) {
      if ((lines[i]?.length ?? 0) - 1 <= c) {
        i++;
        continue;
      }
      let j = i;
      let w = opts.minwidth;
      while (j < lines.length && (lines[j]?.length ?? 0) - 1 > c) {
        w = Math.max(w, width(lines[j]?.[c] ?? '') + opts.padding);
        j++;
      }
      for (let k = i; k < j; k++) (widths[k] as number[])[c] = w;
      i = j;
    }
  }
  return lines
    .map((cells, li) => cells.map((cell, c) => (c < cells.length - 1 ? cell + ' '.repeat(Math.max(0, (widths[li]?.[c] ?? 0) - width(cell))) : cell)).join(''))
    .join('\n');
}

/** kubectl's table writer (minwidth 6, padding 3) over rows of cells. */
export function tabulate(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  return formatTabbed(`${rows.map((r) => r.join('\t')).join('\n')}\n`, { minwidth: 6, padding: 3 });
}
