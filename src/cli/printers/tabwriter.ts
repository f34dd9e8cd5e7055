// The column layout of Go's text/tabwriter as kubectl configures it (github.com/liggitt/tabwriter:
// minwidth 6, padding 3, pad with spaces, RememberWidths). Cells end at '\t'; the last cell of a line
// is not aligned. A line with fewer cells ends the column block above it.

export interface TabWriterOptions {
  minWidth: number;
  padding: number;
  /** Keep column widths across flushes; they only grow (kubectl's watch output relies on this). */
  rememberWidths: boolean;
}

export const kubectlTabOptions: TabWriterOptions = { minWidth: 6, padding: 3, rememberWidths: true };

interface Cell {
  text: string;
  width: number;
}

export class TabWriter {
  private buffered = '';
  private remembered: number[] = [];

  constructor(
    private readonly out: { write(s: string): unknown },
    private readonly options: TabWriterOptions = kubectlTabOptions,
  ) {}

  write(text: string): void {
    this.buffered += text;
  }

  /** Forget remembered widths (kubectl does so when the printed resource type changes). */
  resetWidths(): void {
    this.remembered = [];
  }

  flush(): void {
    const text = this.buffered;
    this.buffered = '';
    if (text === '') return;
    const endsWithNewline = text.endsWith('\n');
    const lines = (endsWithNewline ? text.slice(0, -1) : text).split('\n').map(splitCells);
    const rendered: string[] = [];
    this.format(lines, 0, lines.length, [], rendered);
    this.out.write(rendered.join('\n') + (endsWithNewline ? '\n' : ''));
  }

  private format(lines: Cell[][], line0: number, line1: number, widths: number[], rendered: string[]): void {
    const column = widths.length;
    let start = line0;
    for (let at = line0; at < line1; at++) {
      if (column >= (lines[at]?.length ?? 0) - 1) continue;
      this.writeLines(lines, start, at, widths, rendered);
      start = at;
      let width = Math.max(this.options.minWidth, this.remembered[column] ?? 0);
      for (; at < line1; at++) {
        const line = lines[at] ?? [];
        if (column >= line.length - 1) break;
        width = Math.max(width, (line[column]?.width ?? 0) + this.options.padding);
      }
      if (this.options.rememberWidths) this.remembered[column] = width;
      this.format(lines, start, at, [...widths, width], rendered);
      start = at;
      at--;
    }
    this.writeLines(lines, start, line1, widths, rendered);
  }

  private writeLines(lines: Cell[][], from: number, to: number, widths: number[], rendered: string[]): void {
    for (let i = from; i < to; i++) {
      const line = lines[i] ?? [];
      let text = '';
      line.forEach((cell, j) => {
        text += cell.text;
        const width = widths[j];
        if (width !== undefined) text += ' '.repeat(Math.max(0, width - cell.width));
      });
      rendered.push(text);
    }
  }
}

function splitCells(line: string): Cell[] {
  return line.split('\t').map((text) => ({ text, width: [...text].length }));
}

/** Lay out tab-separated text in one go, as a fresh kubectl tabwriter would. */
export function formatColumns(text: string, options: TabWriterOptions = kubectlTabOptions): string {
  let result = '';
  const writer = new TabWriter({ write: (s: string) => (result += s) }, options);
  writer.write(text);
  writer.flush();
  return result;
}
