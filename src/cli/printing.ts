// The printers' interface (implemented in ./printers/ by another module) as the commands use it.

export type { TableColumnDefinition, TableRow, Table, PrintOptions, Printer } from './printers/types.js';
import type { Table, PrintOptions, Printer } from './printers/types.js';

export interface WatchTableOptions {
  wide: boolean;
  noHeaders: boolean;
  showLabels: boolean;
  labelColumns: string[];
  allNamespaces: boolean;
  showKind: boolean;
  outputWatchEvents: boolean;
}

/** `get -w` in table form: the header with the first event, then rows as events arrive. */
export interface WatchTablePrinter {
  printEvent(eventType: string, input: { resourceKind: string; table: Table }): void;
}

export interface PrinterModule {
  createPrinter(opts: PrintOptions): Printer;
  createWatchTablePrinter(options: WatchTableOptions, out: { write(s: string): unknown }): WatchTablePrinter;
}

export const tableAccept =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

export function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'Table' && Array.isArray((v as { rows?: unknown }).rows);
}
