// Plain-text tables for benchmark reports: the first column left-aligned, the others right-aligned.

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** A figure with about three significant digits ("1234", "12.3", "0.123"); "-" when unknown. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

/** A ratio such as "2.4×". */
export function fmtRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(value >= 10 ? 0 : 1)}×` : '-';
}

export function fmtBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  if (bytes < 0) return `-${fmtBytes(-bytes)}`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}
