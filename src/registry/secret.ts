// core/v1 Secret.
import { setOwn } from '../api/own.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { validateImmutableField } from '../api/validation/object-meta.js';
import { asObj, child, str } from './fields.js';
import { defineStrategy } from './define.js';
import { base64Size, MAX_DATA_SIZE, validateImmutableData, validateKeys } from './data-keys.js';
import type { Strategy } from './strategy.js';
import { age, column, nameColumn, ageColumn } from './table.js';

export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';

const requiredKeys: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

function validateSecretType(type: string, data: Record<string, unknown>, annotations: Record<string, string> | undefined): FieldError[] {
  if (type === 'kubernetes.io/service-account-token') {
    return annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION] ? [] : [field.required(`metadata.annotations[${SERVICE_ACCOUNT_NAME_ANNOTATION}]`)];
  }
  if (type === 'kubernetes.io/basic-auth') {
    return 'username' in data || 'password' in data ? [] : [field.required('data[username]'), field.required('data[password]')];
  }
  const keys = requiredKeys[type] ?? [];
  return keys.filter((k) => !(k in data)).map((k) => field.required(`data[${k}]`));
}

export function secretStrategy(resource: ResourceInfo): Strategy {
  return defineStrategy(resource, {
    defaults(secret) {
      if (!str(secret.type)) secret.type = 'Opaque';
      // stringData is write-only: it is merged into data (base64) and dropped.
      const stringData = asObj(secret.stringData);
      if (stringData) {
        const data = child(secret, 'data');
        for (const [k, v] of Object.entries(stringData)) setOwn(data, k, Buffer.from(str(v), 'utf8').toString('base64'));
        delete secret.stringData;
      }
    },
    validate(secret) {
      const data = asObj(secret.data) ?? {};
      const errs = validateKeys(data, 'data');
      if (base64Size(data) > MAX_DATA_SIZE) errs.push(field.tooLong('data', MAX_DATA_SIZE));
      errs.push(...validateSecretType(str(secret.type), data, secret.metadata.annotations));
      return errs;
    },
    validateUpdate: (secret, old) => [...validateImmutableField(secret.type, old.type, 'type'), ...validateImmutableData(secret, old, ['data'])],
    fieldLabels: (secret) => ({ type: str(secret.type) }),
    table: {
      columns: [
        nameColumn,
        column('Type', 'The type of the secret'),
        column('Data', 'The number of entries in the secret', { type: 'integer' }),
        ageColumn,
      ],
      cells: (secret, now) => [secret.metadata.name ?? '', str(secret.type), Object.keys(asObj(secret.data) ?? {}).length, age(secret, now)],
    },
  });
}
