// core/v1 Namespace: cluster-scoped, DNS-label names, server-owned status and spec.finalizers.
import type { ResourceInfo } from '../api/resource-info.js';
import { field } from '../api/status.js';
import { isQualifiedName, nameIsDNSLabel } from '../api/validation/names.js';
import { asObj, child, get, str, strings } from './fields.js';
import { defineStrategy } from './define.js';
import type { Strategy } from './strategy.js';
import { age, column, nameColumn, ageColumn } from './table.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export function namespaceStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    nameValidator: nameIsDNSLabel,
    returnDeletedObject: true,
    defaults(ns) {
      if (ns.metadata.name) ns.metadata.labels = { ...ns.metadata.labels, [NAMESPACE_NAME_LABEL]: ns.metadata.name };
    },
    initialStatus: () => ({ phase: 'Active' }),
    prepareForCreate(ns) {
      const spec = child(ns, 'spec');
      const finalizers = strings(spec.finalizers);
      spec.finalizers = finalizers.includes('kubernetes') ? finalizers : [...finalizers, 'kubernetes'];
    },
    prepareForUpdate(ns, old) {
      // spec.finalizers only change through the finalize subresource.
      const oldSpec = asObj(old.spec);
      if (oldSpec) ns.spec = { ...asObj(ns.spec), finalizers: structuredClone(oldSpec.finalizers) };
      if (ns.metadata.name) ns.metadata.labels = { ...ns.metadata.labels, [NAMESPACE_NAME_LABEL]: ns.metadata.name };
    },
    validate(ns) {
      return strings(get(ns, 'spec', 'finalizers')).flatMap((f, i) => isQualifiedName(f).map((msg) => field.invalid(`spec.finalizers[${i}]`, f, msg)));
    },
    fieldLabels: (ns) => ({ 'status.phase': str(get(ns, 'status', 'phase')) }),
    table: {
      columns: [nameColumn, column('Status', 'The status of the namespace'), ageColumn],
      cells: (ns, now) => [ns.metadata.name ?? '', str(get(ns, 'status', 'phase')), age(ns, now)],
    },
  });
}
