// core/v1 ConfigMap.
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { asObj } from './fields.js';
import { defineStrategy } from './define.js';
import { base64Size, MAX_DATA_SIZE, validateImmutableData, validateKeys } from './data-keys.js';
import type { Strategy } from './strategy.js';
import { age, column, nameColumn, ageColumn } from './table.js';

export function configMapStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    validate(cm) {
      const data = asObj(cm.data) ?? {};
      const binaryData = asObj(cm.binaryData) ?? {};
      const errs: FieldError[] = [...validateKeys(data, 'data'), ...validateKeys(binaryData, 'binaryData')];
      for (const key of Object.keys(data)) if (Object.hasOwn(binaryData, key)) errs.push(field.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
      for (const key of Object.keys(binaryData)) if (Object.hasOwn(data, key)) errs.push(field.invalid(`binaryData[${key}]`, key, 'duplicate of key present in data'));
      let size = base64Size(binaryData);
      for (const v of Object.values(data)) if (typeof v === 'string') size += Buffer.byteLength(v);
      if (size > MAX_DATA_SIZE) errs.push(field.tooLong('', MAX_DATA_SIZE));
      return errs;
    },
    validateUpdate: (cm, old) => validateImmutableData(cm, old, ['data', 'binaryData']),
    table: {
      columns: [nameColumn, column('Data', 'Number of data in configmap', { type: 'integer' }), ageColumn],
      cells: (cm, now) => [cm.metadata.name ?? '', Object.keys(asObj(cm.data) ?? {}).length + Object.keys(asObj(cm.binaryData) ?? {}).length, age(cm, now)],
    },
  });
}
