// Builds a Strategy from a kind's own rules, adding what every kind shares: metadata validation,
// status ownership (main resource keeps status, status subresource keeps the rest) and generation.
import { setOwn } from '../api/own.js';
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import type { FieldError } from '../api/status.js';
import { semanticEqual } from '../api/validation/equality.js';
import { nameIsDNSSubdomain, type NameValidator } from '../api/validation/names.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../api/validation/object-meta.js';
import type { Strategy } from './strategy.js';

export interface KindRules extends Omit<Partial<Strategy>, 'resource' | 'validate'> {
  /** metadata.name rule; DNS-1123 subdomain unless given. */
  nameValidator?: NameValidator;
  /** Spec/data validation only; metadata validation is added here. Also run for updates. */
  validate?(obj: KubeObject): FieldError[];
  /** metadata.generation: 1 on create, +1 when anything but metadata/status changes. */
  tracksGeneration?: boolean;
  /** What status a new object starts with (status subresource kinds); default: no status. */
  initialStatus?(obj: KubeObject): Record<string, unknown> | undefined;
}

export function hasStatusSubresource(resource: ResourceInfo): boolean {
  return (resource.subresources ?? []).some((s) => s.name === 'status');
}

/** Everything but metadata and status differs (what bumps generation). */
export function specChanged(obj: KubeObject, old: KubeObject): boolean {
  const keys = new Set([...Object.keys(obj), ...Object.keys(old)]);
  for (const k of keys) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind') continue;
    if (!semanticEqual(obj[k], old[k])) return true;
  }
  return false;
}

export function defineStrategy(resource: ResourceInfo, rules: KindRules): Strategy {
  const { nameValidator = nameIsDNSSubdomain, validate, validateUpdate, tracksGeneration, initialStatus, ...rest } = rules;
  const ownsStatus = hasStatusSubresource(resource);
  const metaOpts = { namespaced: resource.namespaced, nameValidator };
  const validateSpec = (obj: KubeObject): FieldError[] => (validate ? validate(obj) : []);

  return {
    allowUnconditionalUpdate: true,
    ...rest,
    resource,
    prepareForCreate(obj) {
      if (ownsStatus) {
        const status = initialStatus?.(obj);
        if (status) obj.status = status;
        else delete obj.status;
      }
      if (tracksGeneration) obj.metadata.generation = 1;
      rules.prepareForCreate?.(obj);
    },
    prepareForUpdate(obj, old) {
      if (ownsStatus) {
        if (old.status === undefined) delete obj.status;
        else obj.status = structuredClone(old.status);
      }
      if (tracksGeneration) {
        const oldGeneration = old.metadata.generation ?? 0;
        obj.metadata.generation = specChanged(obj, old) ? oldGeneration + 1 : oldGeneration;
      }
      rules.prepareForUpdate?.(obj, old);
    },
    validate(obj) {
      return [...validateObjectMeta(obj.metadata, metaOpts), ...validateSpec(obj)];
    },
    validateUpdate(obj, old) {
      return [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateSpec(obj), ...(validateUpdate?.(obj, old) ?? [])];
    },
    ...(ownsStatus
      ? {
          prepareForStatusUpdate(obj: KubeObject, old: KubeObject) {
            for (const k of Object.keys(obj)) if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind') delete obj[k];
            for (const [k, v] of Object.entries(old)) if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind') setOwn(obj, k, structuredClone(v));
            if (old.metadata.generation === undefined) delete obj.metadata.generation;
            else obj.metadata.generation = old.metadata.generation;
            rules.prepareForStatusUpdate?.(obj, old);
          },
          validateStatusUpdate(obj: KubeObject, old: KubeObject) {
            return [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...(rules.validateStatusUpdate?.(obj, old) ?? [])];
          },
        }
      : {}),
  };
}
