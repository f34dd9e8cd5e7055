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
  /** What status a new object starts with (status subresource kinds), beyond `{}` and `statusFields`. */
  initialStatus?(obj: KubeObject): Record<string, unknown> | undefined;
  /**
   * Status fields Kubernetes always serialises (no omitempty in its types; the OpenAPI definitions list most as
   * required), with their zero values. Present on every stored object, however a writer left them out, so typed
   * clients that insist on them (python-kubernetes) accept a zero-replica object.
   */
  statusFields?: Readonly<Record<string, number | boolean | Readonly<Record<string, never>>>>;
}

/** Status with the always-serialised fields filled in where missing. */
function withStatusFields(status: unknown, fields: KindRules['statusFields']): Record<string, unknown> {
  const out: Record<string, unknown> = status !== null && typeof status === 'object' && !Array.isArray(status) ? (status as Record<string, unknown>) : {};
  for (const [k, zero] of Object.entries(fields ?? {})) {
    if (!Object.prototype.hasOwnProperty.call(out, k) || out[k] === null) setOwn(out, k, typeof zero === 'object' ? {} : zero);
  }
  return out;
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
  const { nameValidator = nameIsDNSSubdomain, validate, validateUpdate, tracksGeneration, initialStatus, statusFields, ...rest } = rules;
  const ownsStatus = hasStatusSubresource(resource);
  const metaOpts = { namespaced: resource.namespaced, nameValidator };
  const validateSpec = (obj: KubeObject): FieldError[] => (validate ? validate(obj) : []);

  return {
    allowUnconditionalUpdate: true,
    ...rest,
    resource,
    prepareForCreate(obj) {
      // Kubernetes' status is a struct, never absent: a new object starts with {} plus its kind's defaults.
      if (ownsStatus) obj.status = withStatusFields(initialStatus?.(obj), statusFields);
      if (tracksGeneration) obj.metadata.generation = 1;
      rules.prepareForCreate?.(obj);
    },
    prepareForUpdate(obj, old) {
      if (ownsStatus) obj.status = withStatusFields(structuredClone(old.status), statusFields);
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
            obj.status = withStatusFields(obj.status, statusFields);
            rules.prepareForStatusUpdate?.(obj, old);
          },
          validateStatusUpdate(obj: KubeObject, old: KubeObject) {
            return [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...(rules.validateStatusUpdate?.(obj, old) ?? [])];
          },
        }
      : {}),
  };
}
