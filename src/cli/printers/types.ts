// The shapes printers accept. Structurally the same as src/cli/printing.ts (the commands' view).

export interface Output {
  write(s: string): unknown;
}

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description?: string;
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
  /** The raw -o value, e.g. `yaml`, `jsonpath={.a}`, `custom-columns=NAME:.metadata.name`. */
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
  /**
   * For commands other than `get`: custom-columns and wide are refused and the error lists
   * kubectl's generic formats.
   */
  genericOnly?: boolean;
  /** `--output-watch-events`: an EVENT column in the watch form. */
  outputWatchEvents?: boolean;
}

export interface ObjectPrintOptions {
  /**
   * Print the objects as one List (what `kubectl get <type>` does even for a single item).
   * Defaults to true when there is not exactly one object.
   */
  asList?: boolean;
}

export interface TableInput {
  /** Singular resource and group, e.g. "deployment.apps" or "pod": the kind prefix of NAME cells. */
  resourceKind: string;
  table: Table;
}

export interface Printer {
  printObjects(objs: Record<string, unknown>[], out: Output, options?: ObjectPrintOptions): void;
  /**
   * Print tables as `kubectl get` does. When every table is empty, writes kubectl's
   * "No resources found…" line to errOut (if given) and nothing to out.
   */
  printTable(tables: TableInput[], out: Output, errOut?: Output): void;
  /** True for the table forms (default and wide): the command asks the server for as=Table. */
  readonly needsTable: boolean;
}
