// `kubectl get crd`: NAME and CREATED AT, as kube-apiserver prints CustomResourceDefinitions.
import type { TablePrinter } from './strategy.js';
import { column, nameColumn } from './table.js';

export const crdTable: TablePrinter = {
  columns: [nameColumn, column('Created At', 'CreationTimestamp is a timestamp representing the server time when this object was created.', { type: 'date' })],
  cells: (obj) => [obj.metadata.name ?? '', obj.metadata.creationTimestamp ?? ''],
};
