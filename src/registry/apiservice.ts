// apiregistration.k8s.io/v1 APIService: defaults, validation (api/apiregistration) and the NAME SERVICE AVAILABLE AGE
// table; status (the Available condition) is written by the API server's availability loop through /status.
import type { ResourceInfo } from '../api/resource-info.js';
import { asAPIService, availableCondition, conditionOf, serviceOf } from '../api/apiregistration/types.js';
import { apiServiceNameValidator, defaultAPIService, validateAPIServiceSpec, validateAPIServiceStatus } from '../api/apiregistration/validation.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../api/validation/object-meta.js';
import { defineStrategy } from './define.js';
import type { Strategy, TablePrinter } from './strategy.js';
import { age, ageColumn, column, nameColumn } from './table.js';
import type { KubeObject } from '../api/object.js';

/** "True", or "False (Reason)", or "Unknown" when there is no Available condition yet. */
export function availableCell(obj: Readonly<KubeObject>): string {
  const c = conditionOf(asAPIService(obj), availableCondition);
  if (!c) return 'Unknown';
  if (c.status === 'True') return 'True';
  return c.reason ? `${c.status} (${c.reason})` : String(c.status);
}

export const apiServiceTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Service', 'The reference to the service that hosts the API endpoint.'),
    column('Available', 'Whether this service is available.'),
    ageColumn,
  ],
  cells: (obj, now) => {
    const svc = serviceOf(asAPIService(obj));
    return [obj.metadata.name ?? '', svc ? `${svc.namespace}/${svc.name}` : 'Local', availableCell(obj), age(obj, now)];
  },
};

export function apiServiceStrategy(resource: ResourceInfo): Strategy {
  const base = defineStrategy(resource, {});
  const metaOpts = (obj: Readonly<KubeObject>) => ({ namespaced: false, nameValidator: apiServiceNameValidator(obj) });
  return {
    ...base,
    defaults: defaultAPIService,
    validate: (obj) => [...validateObjectMeta(obj.metadata, metaOpts(obj)), ...validateAPIServiceSpec(obj)],
    validateUpdate: (obj, old) => [
      ...validateObjectMetaUpdate(obj.metadata, old.metadata),
      ...validateObjectMeta(obj.metadata, metaOpts(obj)),
      ...validateAPIServiceSpec(obj),
    ],
    validateStatusUpdate: (obj, old) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateAPIServiceStatus(obj)],
    table: apiServiceTable,
  };
}
