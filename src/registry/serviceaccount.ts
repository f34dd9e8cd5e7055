// core/v1 ServiceAccount.
import type { ResourceInfo } from '../api/resource-info.js';
import { defineStrategy } from './define.js';
import { objects } from './fields.js';
import type { Strategy } from './strategy.js';
import { age, column, nameColumn, ageColumn } from './table.js';

export function serviceAccountStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    table: {
      columns: [nameColumn, column('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', { type: 'integer' }), ageColumn],
      cells: (sa, now) => [sa.metadata.name ?? '', objects(sa.secrets).length, age(sa, now)],
    },
  });
}
