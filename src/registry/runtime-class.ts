// node.k8s.io/v1 RuntimeClass: validation (Kubernetes' node validation rules and texts), the immutable handler,
// and the table (NAME, HANDLER, AGE).
import type { ResourceInfo } from '../api/resource-info.js';
import { toQuantity } from '../api/quantity.js';
import { field, type FieldError } from '../api/status.js';
import { isDNS1123Label, isQualifiedName } from '../api/validation/names.js';
import { validateImmutableField, validateLabels } from '../api/validation/object-meta.js';
import { asObj, get, str, stringMap } from './fields.js';
import { defineStrategy } from './define.js';
import type { Strategy } from './strategy.js';
import { validateTolerations } from './tolerations.js';
import { age, ageColumn, column, nameColumn } from './table.js';

function validateOverhead(overhead: unknown): FieldError[] {
  const errs: FieldError[] = [];
  const podFixed = asObj(get(overhead, 'podFixed'));
  for (const [name, q] of Object.entries(podFixed ?? {})) {
    const at = `overhead.podFixed[${name}]`;
    for (const msg of isQualifiedName(name)) errs.push(field.invalid(at, name, msg));
    const quantity = toQuantity(q);
    if (!quantity) errs.push(field.invalid(at, q, 'must be a quantity'));
    else if (quantity.nanos < 0n) errs.push(field.invalid(at, q, 'must be greater than or equal to 0'));
  }
  return errs;
}

export function runtimeClassStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    validate(rc) {
      const handler = str(rc['handler']);
      const errs: FieldError[] = isDNS1123Label(handler).map((msg) => field.invalid('handler', handler, msg));
      if (rc['overhead'] !== undefined && rc['overhead'] !== null) errs.push(...validateOverhead(rc['overhead']));
      const scheduling = asObj(rc['scheduling']);
      if (scheduling) {
        errs.push(...validateLabels(stringMap(scheduling['nodeSelector']), 'scheduling.nodeSelector'));
        errs.push(...validateTolerations(scheduling['tolerations'], 'scheduling.tolerations'));
      }
      return errs;
    },
    validateUpdate: (rc, old) => validateImmutableField(rc['handler'], old['handler'], 'handler'),
    table: {
      columns: [nameColumn, column('Handler', 'Specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.'), ageColumn],
      cells: (rc, now) => [rc.metadata.name ?? '', str(rc['handler']), age(rc, now)],
    },
  });
}
