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

/** A Table's fields before its rows, as JSON text without the closing: `{…,"rows":[`. */
export function tableHeadJson(strategy: Strategy, listMeta: ListMeta, o: TableOptions): string {
  const columns = o.noHeaders ? [] : printerFor(strategy).columns;
  return `{"kind":"Table","apiVersion":${JSON.stringify(`meta.k8s.io/${o.version}`)},"metadata":${JSON.stringify(listMeta)},"columnDefinitions":${JSON.stringify(columns)},"rows":[`;
}

/**
 * One Table row as JSON text. `objectJson` gives an object's JSON text (the cached text, for includeObject=Object),
 * so a row never copies the object it carries.
 */
export function tableRowJson(strategy: Strategy, obj: Readonly<KubeObject>, o: TableOptions, objectJson: (obj: Readonly<KubeObject>) => string): string {
  let row = `{"cells":${JSON.stringify(printerFor(strategy).cells(obj as KubeObject, o.now))}`;
  const conditions = rowConditions(strategy, obj);
  if (conditions) row += `,"conditions":${JSON.stringify(conditions)}`;
  if (o.includeObject === 'Metadata') row += `,"object":${JSON.stringify(partialObjectMetadata(obj, o.version))}`;
  else if (o.includeObject === 'Object') row += `,"object":${objectJson(obj)}`;
  return `${row}}`;
}

export const tableTailJson = ']}';
