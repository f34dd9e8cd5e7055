// coordination.k8s.io/v1 Lease.
import type { ResourceInfo } from '../api/resource-info.js';
import { get, str } from './fields.js';
import { defineStrategy } from './define.js';
import type { Strategy } from './strategy.js';
import { age, column, nameColumn, ageColumn } from './table.js';
import { validateNonNegative, validatePositive } from './workload-common.js';

export function leaseStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    allowCreateOnUpdate: true,
    validate: (lease) => [
      ...validatePositive(get(lease, 'spec', 'leaseDurationSeconds'), 'spec.leaseDurationSeconds'),
      ...validateNonNegative(get(lease, 'spec', 'leaseTransitions'), 'spec.leaseTransitions'),
    ],
    table: {
      columns: [nameColumn, column('Holder', 'The holder of the lease'), ageColumn],
      cells: (lease, now) => [lease.metadata.name ?? '', str(get(lease, 'spec', 'holderIdentity')), age(lease, now)],
    },
  });
}
