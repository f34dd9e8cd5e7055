// ObjectMeta validation on create and update (apimachinery/pkg/api/validation/objectmeta.go).
import type { ObjectMeta, OwnerReference } from '../object.js';
import { field, type FieldError } from '../status.js';
import { semanticEqual } from './equality.js';
import { goTime } from './go-format.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue, type NameValidator } from './names.js';

export const FIELD_IMMUTABLE = 'field is immutable';
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export interface ObjectMetaOptions {
  namespaced: boolean;
  nameValidator: NameValidator;
}

export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) errs.push(field.invalid(path, k, msg));
    if (typeof v !== 'string') {
      errs.push(field.invalid(path, v, 'must be a string'));
      continue;
    }
    for (const msg of isValidLabelValue(v)) errs.push(field.invalid(path, v, msg));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    // Annotation keys are qualified names, but case does not matter.
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(field.invalid(path, k, msg));
    total += Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : String(v));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(field.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

function validateOwnerReferences(refs: OwnerReference[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    const apiVersion = ref.apiVersion ?? '';
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (version === '') errs.push(field.invalid(`${path}.apiVersion`, apiVersion, 'version must not be empty'));
    if (!ref.kind) errs.push(field.invalid(`${path}.kind`, ref.kind ?? '', 'must not be empty'));
    if (!ref.name) errs.push(field.invalid(`${path}.name`, ref.name ?? '', 'must not be empty'));
    if (!ref.uid) errs.push(field.invalid(`${path}.uid`, ref.uid ?? '', 'must not be empty'));
    if (apiVersion === 'v1' && ref.kind === 'Event') {
      errs.push(field.invalid(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller === true) {
      const name = `${ref.kind}/${ref.name}`;
      if (firstController) {
        errs.push(
          field.invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${name}`),
        );
      } else firstController = name;
    }
  }
  return errs;
}

export function validateFinalizers(finalizers: string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of finalizers ?? []) for (const msg of isQualifiedName(f)) errs.push(field.invalid(path, f, msg));
  const list = finalizers ?? [];
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(field.invalid(path, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

function validateNonNegative(value: number | undefined, path: string): FieldError[] {
  return value !== undefined && value < 0 ? [field.invalid(path, value, 'must be greater than or equal to 0')] : [];
}

/** metadata.managedFields entries (what field management keeps, or a client wrote in their place). */
export function validateManagedFields(entries: unknown[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (entries ?? []).forEach((e, i) => {
    const at = `${path}[${i}]`;
    const entry = typeof e === 'object' && e !== null ? (e as Record<string, unknown>) : {};
    const op = entry['operation'];
    if (op !== 'Apply' && op !== 'Update') errs.push(field.invalid(`${at}.operation`, op ?? '', 'must be `Apply` or `Update`'));
    const fieldsType = entry['fieldsType'];
    if (typeof fieldsType === 'string' && fieldsType !== '' && fieldsType !== 'FieldsV1') errs.push(field.invalid(`${at}.fieldsType`, fieldsType, 'must be `FieldsV1`'));
    const manager = typeof entry['manager'] === 'string' ? entry['manager'] : '';
    if (Buffer.byteLength(manager) > 128) errs.push(field.tooLong(`${at}.manager`, 128));
    const subresource = typeof entry['subresource'] === 'string' ? entry['subresource'] : '';
    if (Buffer.byteLength(subresource) > 256) errs.push(field.tooLong(`${at}.subresource`, 256));
  });
  return errs;
}

function validateCommon(meta: ObjectMeta): FieldError[] {
  return [
    ...validateManagedFields(meta.managedFields, 'metadata.managedFields'),
    ...validateNonNegative(meta.generation, 'metadata.generation'),
    ...validateLabels(meta.labels, 'metadata.labels'),
    ...validateAnnotations(meta.annotations, 'metadata.annotations'),
    ...validateOwnerReferences(meta.ownerReferences, 'metadata.ownerReferences'),
    ...validateFinalizers(meta.finalizers, 'metadata.finalizers'),
  ];
}

/** Metadata of a new object (after name generation). */
export function validateObjectMeta(meta: ObjectMeta, opts: ObjectMetaOptions): FieldError[] {
  const errs: FieldError[] = [];
  if (meta.generateName) {
    for (const msg of opts.nameValidator(meta.generateName, true)) errs.push(field.invalid('metadata.generateName', meta.generateName, msg));
  }
  if (!meta.name) {
    errs.push(field.required('metadata.name', 'name or generateName is required'));
  } else {
    for (const msg of opts.nameValidator(meta.name, false)) errs.push(field.invalid('metadata.name', meta.name, msg));
  }
  if (opts.namespaced) {
    if (!meta.namespace) errs.push(field.required('metadata.namespace'));
    else for (const msg of isDNS1123Label(meta.namespace)) errs.push(field.invalid('metadata.namespace', meta.namespace, msg));
  } else if (meta.namespace) {
    errs.push(field.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  errs.push(...validateCommon(meta));
  return errs;
}

/** `<path>: Invalid value: <new>: field is immutable` unless the values are semantically equal. */
export function validateImmutableField(newValue: unknown, oldValue: unknown, path: string): FieldError[] {
  return semanticEqual(newValue, oldValue) ? [] : [field.invalid(path, newValue ?? '', FIELD_IMMUTABLE)];
}

function immutableTime(newValue: string | null | undefined, oldValue: string | null | undefined, path: string): FieldError[] {
  if (semanticEqual(newValue, oldValue)) return [];
  return [{ ...field.invalid(path, newValue ?? null, FIELD_IMMUTABLE), renderedValue: goTime(newValue) }];
}

/**
 * Metadata of an updated object against the stored one. The store owns resourceVersion checks
 * (optimistic concurrency, unconditional updates), so they are not repeated here.
 */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta): FieldError[] {
  const errs: FieldError[] = [];
  if (old.deletionTimestamp) {
    const added = [...new Set(meta.finalizers ?? [])].filter((f) => !(old.finalizers ?? []).includes(f)).sort();
    if (added.length > 0) {
      errs.push(
        field.forbidden(
          'metadata.finalizers',
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
        ),
      );
    }
  }
  if ((meta.generation ?? 0) < (old.generation ?? 0)) {
    errs.push(field.invalid('metadata.generation', meta.generation ?? 0, 'must not be decremented'));
  }
  errs.push(...validateImmutableField(meta.name, old.name, 'metadata.name'));
  errs.push(...validateImmutableField(meta.namespace, old.namespace, 'metadata.namespace'));
  errs.push(...validateImmutableField(meta.uid, old.uid, 'metadata.uid'));
  errs.push(...immutableTime(meta.creationTimestamp, old.creationTimestamp, 'metadata.creationTimestamp'));
  errs.push(...immutableTime(meta.deletionTimestamp, old.deletionTimestamp, 'metadata.deletionTimestamp'));
  errs.push(...validateImmutableField(meta.deletionGracePeriodSeconds, old.deletionGracePeriodSeconds, 'metadata.deletionGracePeriodSeconds'));
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  errs.push(...validateOwnerReferences(meta.ownerReferences, 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(meta.finalizers, 'metadata.finalizers'));
  errs.push(...validateManagedFields(meta.managedFields, 'metadata.managedFields'));
  return errs;
}
