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
}

export interface Printer {
  printObjects(objs: Record<string, unknown>[], out: { write(s: string): unknown }): void;
  printTable(tables: { resourceKind: string; table: Table }[], out: { write(s: string): unknown }): void;
  /** True for the table forms (default and wide): ask the server for as=Table. */
  readonly needsTable: boolean;
}

export interface PrinterModule {
  createPrinter(opts: PrintOptions): Printer;
}

export const tableAccept =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

export function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'Table' && Array.isArray((v as { rows?: unknown }).rows);
}
