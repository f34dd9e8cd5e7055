// kubectl's describe PrefixWriter: lines at indent levels, aligned afterwards by a tabwriter (padding 2).
import { formatTabbed } from '../tabwriter.js';

export class DescribeWriter {
  private text = '';
  /** Writes `format` at `level` (two spaces per level); cells are separated by tabs. */
  line(level: number, ...cells: string[]): void {
    this.text += `${'  '.repeat(level)}${cells.join('\t')}\n`;
  }
  /** "Labels:  a=b" then continuation lines for the others, or <none>. */
  map(level: number, title: string, m: Record<string, string> | undefined, sep = '='): void {
    const keys = Object.keys(m ?? {}).sort();
    if (keys.length === 0) {
      this.line(level, `${title}:`, '<none>');
      return;
    }
    keys.forEach((k, i) => this.line(level, i === 0 ? `${title}:` : '', `${k}${sep}${m?.[k] ?? ''}`));
  }
  /** A line written exactly as given. */
  raw(text: string): void {
    this.text += `${text}\n`;
  }
  blank(): void {
    this.text += '\n';
  }
  toString(): string {
    return formatTabbed(this.text, { minwidth: 0, padding: 2 });
  }
}
