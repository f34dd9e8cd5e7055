// Server-side Tables printed as `kubectl get` prints them (cli-runtime's HumanReadablePrinter):
// upper-cased headers, wide columns only with -o wide, NAMESPACE first with -A, a kind prefix on
// names when several types are shown, -L label columns, LABELS with --show-labels, tabwriter layout.

import { getOwn, setOwn } from '../../api/own.js';
import { isRecord } from '../../api/object.js';
import { escapeTerminal, goSprint } from './go-format.js';
import { TabWriter } from './tabwriter.js';
import type { Output, Table, TableColumnDefinition, TableInput, TableRow } from './types.js';

export interface TableOptions {
  wide: boolean;
  noHeaders: boolean;
  showLabels: boolean;
  labelColumns: string[];
  allNamespaces: boolean;
  showKind: boolean;
}

function rowMetadata(row: TableRow): { namespace?: string; labels?: Record<string, string> } {
  const object = row.object;
  if (!isRecord(object) || !isRecord(object.metadata)) return {};
  const meta = object.metadata;
  const labels: Record<string, string> = {};
  if (isRecord(meta.labels)) for (const [k, v] of Object.entries(meta.labels)) if (typeof v === 'string') setOwn(labels, k, v);
  return { ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}), labels };
}

/** labels.FormatLabels: `k=v,k2=v2` sorted by key, or `<none>`. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${getOwn(labels, k) ?? ''}`).join(',');
}

/** The `-L` header: the upper-cased last path segment of the key (`app.kubernetes.io/name` → NAME). */
function labelHeader(key: string): string {
  return (key.split('/').at(-1) ?? key).toUpperCase();
}

function cellText(cell: unknown): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') {
    const cut = cell.search(/[\f\n\r]/);
    return cut >= 0 ? `${escapeTerminal(cell.slice(0, cut))}...` : escapeTerminal(cell);
  }
  return escapeTerminal(goSprint(cell));
}

function visibleColumns(table: Table, wide: boolean): number[] {
  const indexes: number[] = [];
  table.columnDefinitions.forEach((c: TableColumnDefinition, i) => {
    if (c.priority === 0 || wide) indexes.push(i);
  });
  return indexes;
}

export function headerCells(table: Table, options: TableOptions): string[] {
  const headers: string[] = [];
  if (options.allNamespaces) headers.push('NAMESPACE');
  for (const i of visibleColumns(table, options.wide)) headers.push((table.columnDefinitions[i]?.name ?? '').toUpperCase());
  for (const key of options.labelColumns) headers.push(labelHeader(key));
  if (options.showLabels) headers.push('LABELS');
  return headers;
}

export function rowCells(table: Table, row: TableRow, options: TableOptions, kindPrefix: string | undefined): string[] {
  const meta = rowMetadata(row);
  const cells: string[] = [];
  if (options.allNamespaces) cells.push(escapeTerminal(meta.namespace ?? ''));
  const nameColumn = table.columnDefinitions.findIndex((c) => c.format === 'name');
  for (const i of visibleColumns(table, options.wide)) {
    let text = cellText(row.cells[i]);
    if (kindPrefix !== undefined && i === (nameColumn < 0 ? 0 : nameColumn)) text = `${kindPrefix}/${text}`;
    cells.push(text);
  }
  for (const key of options.labelColumns) cells.push(escapeTerminal(getOwn(meta.labels, key) ?? ''));
  if (options.showLabels) cells.push(escapeTerminal(formatLabels(meta.labels)));
  return cells;
}

/** kubectl get's message when nothing matched (it goes to stderr). */
export function noResourcesFound(namespace: string | undefined, allNamespaces: boolean): string {
  if (allNamespaces || namespace === undefined || namespace === '') return 'No resources found\n';
  return `No resources found in ${namespace} namespace.\n`;
}

/**
 * Print several tables in order. Empty tables print nothing; a blank line separates one type from
 * the next when headers are shown; widths are computed per type.
 */
export function printTables(tables: TableInput[], options: TableOptions, out: Output): void {
  const writer = new TabWriter(out);
  const withKind = options.showKind || tables.length > 1;
  let printedAny = false;
  for (const { resourceKind, table } of tables) {
    if (table.rows.length === 0) continue;
    writer.flush();
    writer.resetWidths();
    if (printedAny && !options.noHeaders) writer.write('\n');
    let text = '';
    if (!options.noHeaders) text += `${headerCells(table, options).join('\t')}\n`;
    for (const row of table.rows) text += `${rowCells(table, row, options, withKind ? resourceKind : undefined).join('\t')}\n`;
    writer.write(text);
    printedAny = true;
  }
  writer.flush();
}

export interface WatchTablePrinter {
  /** Print one watch event's table (usually one row). The header comes with the first event. */
  printEvent(eventType: string, input: TableInput): void;
}

/** `get -w`: the header once, then rows as events arrive, widths remembered as kubectl does. */
export function createWatchTablePrinter(options: TableOptions & { outputWatchEvents: boolean }, out: Output): WatchTablePrinter {
  const writer = new TabWriter(out);
  let headerPrinted = false;
  return {
    printEvent(eventType, { resourceKind, table }) {
      let text = '';
      if (!headerPrinted && !options.noHeaders) {
        const headers = headerCells(table, options);
        text += `${(options.outputWatchEvents ? ['EVENT', ...headers] : headers).join('\t')}\n`;
      }
      headerPrinted = true;
      for (const row of table.rows) {
        const cells = rowCells(table, row, options, options.showKind ? resourceKind : undefined);
        text += `${(options.outputWatchEvents ? [eventType, ...cells] : cells).join('\t')}\n`;
      }
      writer.write(text);
      writer.flush();
    },
  };
}
