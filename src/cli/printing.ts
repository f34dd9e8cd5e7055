// The printers' interface (implemented in ./printers/ by another module) as the commands use it.

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: unknown;
  conditions?: unknown[];
}

/** A server-side meta.k8s.io/v1 Table. */
export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export interface PrintOptions {
  /** The raw -o value. */
  output?: string;
  noHeaders?: boolean;
  showLabels?: boolean;
  labelColumns?: string[];
  allNamespaces?: boolean;
  showKind?: boolean;
  sortBy?: string;
  allowMissingTemplateKeys?: boolean;
  /** The request namespace, for "No resources found in <ns> namespace.". */
  namespace?: string;
}

export interface Printer {
  /** asList: print as one List even for a single object (what `get <type>` does). */
  printObjects(objs: Record<string, unknown>[], out: { write(s: string): unknown }, options?: { asList?: boolean }): void;
  /** When every table is empty, writes "No resources found…" to errOut (if given) and nothing to out. */
  printTable(tables: { resourceKind: string; table: Table }[], out: { write(s: string): unknown }, errOut?: { write(s: string): unknown }): void;
  /** True for the table forms (default and wide): ask the server for as=Table. */
  readonly needsTable: boolean;
}

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
