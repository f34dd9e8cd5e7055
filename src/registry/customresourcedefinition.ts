// CustomResourceDefinition (apiextensions.k8s.io/v1): defaults and validation from api/apiextensions; a new CRD
// carries the cleanup finalizer, its status (conditions, acceptedNames, storedVersions) is written by the CRD
// controller in the API server through the status subresource.
import type { ResourceInfo } from '../api/resource-info.js';
import { defaultCrd, validateCrd, validateCrdStatus, validateCrdUpdate, validateStoredVersions } from '../api/apiextensions/crd-validation.js';
import { crdCleanupFinalizer } from '../api/apiextensions/types.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../api/validation/object-meta.js';
import { nameIsDNSSubdomain } from '../api/validation/names.js';
import { defineStrategy } from './define.js';
import type { Strategy } from './strategy.js';
import { crdTable } from './crd-table.js';

export function crdStrategy(resource: ResourceInfo): Strategy {
  const base = defineStrategy(resource, { tracksGeneration: true });
  return {
    ...base,
    defaults: defaultCrd,
    prepareForCreate(obj) {
      base.prepareForCreate?.(obj);
      obj.status = { storedVersions: [] };
      const finalizers = obj.metadata.finalizers ?? [];
      if (!finalizers.includes(crdCleanupFinalizer)) obj.metadata.finalizers = [...finalizers, crdCleanupFinalizer];
    },
    validate(obj) {
      return [...validateObjectMeta(obj.metadata, { namespaced: false, nameValidator: nameIsDNSSubdomain }), ...validateCrd(obj)];
    },
    validateUpdate(obj, old) {
      return [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateCrdUpdate(obj, old)];
    },
    validateStatusUpdate(obj, old) {
      return [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateCrdStatus(obj), ...validateStoredVersions(obj)];
    },
    table: crdTable,
  };
}
