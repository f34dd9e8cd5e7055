// Server-side printing: objects → meta.k8s.io Table (rows with PartialObjectMetadata, the object, or nothing).
import type { KubeObject, ListMeta } from '../api/object.js';
import { isRecord } from '../api/object.js';
import { defaultTable } from '../registry/index.js';
import type { Strategy, TablePrinter } from '../registry/strategy.js';
import { errors } from '../api/status.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function parseIncludeObject(v: string | null): IncludeObject {
  if (v === null || v === '' || v === 'Metadata') return 'Metadata';
  if (v === 'None' || v === 'Object') return v;
  throw errors.badRequest(`includeObject: Unsupported value: ${JSON.stringify(v)}: supported values: "Metadata", "None", "Object"`);
}

export function partialObjectMetadata(obj: Readonly<KubeObject>, version: string): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

function printerFor(strategy: Strategy): TablePrinter {
  return strategy.table ?? defaultTable;
}

function rowConditions(strategy: Strategy, obj: Readonly<KubeObject>): unknown[] | undefined {
  if (strategy.resource.group !== '' || strategy.resource.resource !== 'pods') return undefined;
  const status = isRecord(obj['status']) ? obj['status'] : {};
  if (status['phase'] === 'Succeeded' || status['phase'] === 'Failed') return [{ type: 'Completed', status: 'True' }];
  return undefined;
}

export interface TableOptions {
  version: string;
  includeObject: IncludeObject;
  now: Date;
  /** Leave the column definitions out (watch events after the first). */
  noHeaders?: boolean;
}

export function buildTable(strategy: Strategy, items: readonly Readonly<KubeObject>[], listMeta: ListMeta, o: TableOptions): Record<string, unknown> {
  const printer = printerFor(strategy);
  const rows = items.map((obj) => {
    const row: Record<string, unknown> = { cells: printer.cells(obj as KubeObject, o.now) };
    const conditions = rowConditions(strategy, obj);
    if (conditions) row['conditions'] = conditions;
    if (o.includeObject === 'Metadata') row['object'] = partialObjectMetadata(obj, o.version);
    else if (o.includeObject === 'Object') row['object'] = obj;
    return row;
  });
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${o.version}`,
    metadata: listMeta,
    columnDefinitions: o.noHeaders ? [] : printer.columns,
    rows,
  };
}
