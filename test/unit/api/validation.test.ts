import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFieldError } from '../../../src/api/status.js';
import type { ObjectMeta } from '../../../src/api/object.js';
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  nameIsDNSSubdomain,
  nameIsPathSegment,
} from '../../../src/api/validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../../src/api/validation/object-meta.js';

const subdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const labelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const dns1035Msg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

const nameCases: { name: string; check: (v: string) => string[]; value: string; want: string[] }[] = [
  { name: 'subdomain ok', check: isDNS1123Subdomain, value: 'a.b-c', want: [] },
  { name: 'subdomain upper case', check: isDNS1123Subdomain, value: 'Foo', want: [subdomainMsg] },
  { name: 'subdomain too long', check: isDNS1123Subdomain, value: 'a'.repeat(254), want: ['must be no more than 253 characters'] },
  { name: 'label ok', check: isDNS1123Label, value: '123-abc', want: [] },
  { name: 'label with dots', check: isDNS1123Label, value: 'a.b', want: ['must not contain dots'] },
  { name: 'label bad', check: isDNS1123Label, value: 'a_b', want: [labelMsg] },
  { name: 'label too long', check: isDNS1123Label, value: 'a'.repeat(64), want: ['must be no more than 63 characters'] },
  { name: '1035 digit start', check: isDNS1035Label, value: '1abc', want: [dns1035Msg] },
  { name: 'label value ok', check: isValidLabelValue, value: 'My_value.1', want: [] },
  { name: 'qualified name empty prefix', check: isQualifiedName, value: '/a', want: ['prefix part must be non-empty'] },
];

for (const c of nameCases) {
  test(`names: ${c.name}`, () => assert.deepEqual(c.check(c.value), c.want));
}

test('qualified name with two slashes', () => {
  assert.deepEqual(isQualifiedName('a/b/c'), [
    "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
  ]);
});

test('path segment names (RBAC)', () => {
  assert.deepEqual(nameIsPathSegment('..', false), ["may not be '..'"]);
  assert.deepEqual(nameIsPathSegment('a/b%', false), ["may not contain '/'", "may not contain '%'"]);
  assert.deepEqual(nameIsPathSegment('system:admin', false), []);
});

test('generateName is validated as a prefix', () => {
  assert.deepEqual(nameIsDNSSubdomain('web-', true), []);
  assert.notDeepEqual(nameIsDNSSubdomain('web-', false), []);
});

const metaCases: { name: string; meta: ObjectMeta; namespaced: boolean; want: string[] }[] = [
  { name: 'valid namespaced', meta: { name: 'a', namespace: 'ns-1' }, namespaced: true, want: [] },
  { name: 'no name', meta: { namespace: 'ns-1' }, namespaced: true, want: ['metadata.name: Required value: name or generateName is required'] },
  { name: 'no namespace', meta: { name: 'a' }, namespaced: true, want: ['metadata.namespace: Required value'] },
  { name: 'namespace on cluster kind', meta: { name: 'a', namespace: 'x' }, namespaced: false, want: ['metadata.namespace: Forbidden: not allowed on this type'] },
  { name: 'bad name', meta: { name: 'Foo', namespace: 'ns' }, namespaced: true, want: [`metadata.name: Invalid value: "Foo": ${subdomainMsg}`] },
  {
    name: 'bad label value',
    meta: { name: 'a', namespace: 'ns', labels: { app: '-x' } },
    namespaced: true,
    want: [
      `metadata.labels: Invalid value: "-x": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ],
  },
  {
    name: 'owner reference fields',
    meta: { name: 'a', namespace: 'ns', ownerReferences: [{ apiVersion: '', kind: '', name: '', uid: '' }] },
    namespaced: true,
    want: [
      'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty',
      'metadata.ownerReferences.kind: Invalid value: "": must not be empty',
      'metadata.ownerReferences.name: Invalid value: "": must not be empty',
      'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
    ],
  },
  {
    name: 'annotations too large',
    meta: { name: 'a', namespace: 'ns', annotations: { big: 'x'.repeat(256 * 1024) } },
    namespaced: true,
    want: ['metadata.annotations: Too long: may not be more than 262144 bytes'],
  },
];

for (const c of metaCases) {
  test(`validateObjectMeta: ${c.name}`, () => {
    const errs = validateObjectMeta(c.meta, { namespaced: c.namespaced, nameValidator: nameIsDNSSubdomain });
    assert.deepEqual(errs.map(formatFieldError), c.want);
  });
}

test('validateObjectMetaUpdate: immutable fields', () => {
  const old: ObjectMeta = { name: 'a', namespace: 'ns', uid: 'u1', creationTimestamp: '2024-05-01T10:00:00Z' };
  const errs = validateObjectMetaUpdate({ ...old, name: 'b', uid: 'u2', creationTimestamp: '2024-05-02T10:00:00Z' }, old);
  assert.deepEqual(errs.map(formatFieldError), [
    'metadata.name: Invalid value: "b": field is immutable',
    'metadata.uid: Invalid value: "u2": field is immutable',
    'metadata.creationTimestamp: Invalid value: 2024-05-02 10:00:00 +0000 UTC: field is immutable',
  ]);
  assert.deepEqual(validateObjectMetaUpdate({ ...old, labels: { a: 'b' } }, old), []);
});

test('validateObjectMetaUpdate: no new finalizers while deleting', () => {
  const old: ObjectMeta = { name: 'a', deletionTimestamp: '2024-05-01T10:00:00Z', finalizers: ['x.io/a'] };
  const errs = validateObjectMetaUpdate({ ...old, finalizers: ['x.io/a', 'x.io/b'] }, old);
  assert.deepEqual(errs.map(formatFieldError), [
    'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"x.io/b"}',
  ]);
});
