// Go's text/tabwriter as kubectl configures it (minwidth 6, padding 3, blanks): every tab-terminated
// cell is padded to its column's width; the last cell of a line is written as is.

export function tabulate(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, Math.max(cell.length + 3, 6));
    });
  }
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell)).join('') + '\n').join('');
}
