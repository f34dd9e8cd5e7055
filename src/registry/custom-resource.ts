// The strategy of a custom resource, built from its CustomResourceDefinition version: structural defaulting,
// OpenAPI schema validation and x-kubernetes-validations (CEL), the status subresource's ownership rules,
// generation, printer columns and selectable fields.
import { isRecord, type KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { field, type FieldError } from '../api/status.js';
import { applyDefaults } from '../api/apiextensions/schema-defaults.js';
import { validateAgainstSchema } from '../api/apiextensions/schema-validate.js';
import { celErrors } from '../api/apiextensions/cel-rules.js';
import { parseSimpleJsonPath, valueAt } from '../api/apiextensions/json-path.js';
import type { CrdVersion, JSONSchemaProps, PrinterColumn } from '../api/apiextensions/types.js';
import { humanDuration } from '../api/duration.js';
import { validateObjectMeta, validateObjectMetaUpdate } from '../api/validation/object-meta.js';
import { nameIsDNSSubdomain } from '../api/validation/names.js';
import { specChanged } from './define.js';
import type { Strategy, TableColumn, TablePrinter } from './strategy.js';
import { nameColumn } from './table.js';
import { setOwn } from '../api/own.js';

export interface CustomResourceSpec {
  resource: ResourceInfo;
  version: CrdVersion;
}

const ageColumn: TableColumn = { name: 'Age', type: 'date', format: '', description: 'Custom resource definition column (in JSONPath format): .metadata.creationTimestamp', priority: 0 };

export function customResourceStrategy({ resource, version }: CustomResourceSpec): Strategy {
  const schema: JSONSchemaProps | undefined = isRecord(version.schema?.openAPIV3Schema) ? version.schema.openAPIV3Schema : undefined;
  const hasStatus = version.subresources?.status !== undefined;
  const metaOpts = { namespaced: resource.namespaced, nameValidator: nameIsDNSSubdomain };
  const checkSchema = (obj: KubeObject, old: KubeObject | undefined): FieldError[] => {
    if (!schema) return [];
    const errs = validateAgainstSchema(obj, schema);
    return errs.length > 0 ? errs : celErrors(obj, old, schema);
  };
  const selectable = (version.selectableFields ?? []).map((f) => f.jsonPath).filter((p) => parseSimpleJsonPath(p) !== undefined);

  return {
    resource,
    allowUnconditionalUpdate: false,
    defaults(obj) {
      if (schema) applyDefaults(obj, schema);
    },
    prepareForCreate(obj) {
      if (hasStatus) delete obj.status;
      obj.metadata.generation = 1;
    },
    prepareForUpdate(obj, old) {
      if (hasStatus) {
        if (old.status === undefined) delete obj.status;
        else obj.status = structuredClone(old.status);
      }
      const changed = hasStatus ? specChanged(obj, old) : anythingButMetadataChanged(obj, old);
      const oldGeneration = old.metadata.generation ?? 0;
      obj.metadata.generation = changed ? oldGeneration + 1 : oldGeneration;
    },
    validate(obj) {
      return [...validateObjectMeta(obj.metadata, metaOpts), ...typeMeta(obj, resource), ...checkSchema(obj, undefined)];
    },
    validateUpdate(obj, old) {
      return [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...typeMeta(obj, resource), ...checkSchema(obj, old)];
    },
    ...(hasStatus
      ? {
          prepareForStatusUpdate(obj: KubeObject, old: KubeObject) {
            for (const k of Object.keys(obj)) if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind') delete obj[k];
            for (const [k, v] of Object.entries(old)) if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind') setOwn(obj, k, structuredClone(v));
            if (old.metadata.generation === undefined) delete obj.metadata.generation;
            else obj.metadata.generation = old.metadata.generation;
          },
          validateStatusUpdate(obj: KubeObject, old: KubeObject) {
            return [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...checkSchema(obj, old)];
          },
        }
      : {}),
    ...(selectable.length > 0
      ? {
          fieldLabels(obj: KubeObject) {
            const out: Record<string, string> = {};
            for (const p of selectable) {
              const v = valueAt(obj, parseSimpleJsonPath(p) ?? []);
              out[p.slice(1)] = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
            }
            return out;
          },
        }
      : {}),
    table: printerColumnsTable(version.additionalPrinterColumns),
  };
}

function anythingButMetadataChanged(obj: KubeObject, old: KubeObject): boolean {
  return specChanged(obj, old) || JSON.stringify(obj.status) !== JSON.stringify(old.status);
}

/** apiVersion and kind must name this resource (a body for another kind sent to this URL). */
function typeMeta(obj: KubeObject, r: ResourceInfo): FieldError[] {
  const out: FieldError[] = [];
  const gv = `${r.group}/${r.version}`;
  if (obj.kind !== undefined && obj.kind !== r.kind) out.push(field.invalid('kind', obj.kind, `must be ${r.kind}`));
  if (obj.apiVersion !== undefined && obj.apiVersion !== gv && !(r.storageVersion !== undefined && obj.apiVersion === `${r.group}/${r.storageVersion}`)) {
    out.push(field.invalid('apiVersion', obj.apiVersion, `must be ${gv}`));
  }
  return out;
}

/** Server-side printing from additionalPrinterColumns; Name and Age when the version lists none. */
export function printerColumnsTable(columns: readonly PrinterColumn[] | undefined): TablePrinter {
  if (!columns || columns.length === 0) {
    return { columns: [nameColumn, ageColumn], cells: (obj, now) => [obj.metadata.name ?? '', age(obj.metadata.creationTimestamp, now)] };
  }
  const parsed = columns.map((c) => ({ c, steps: parseSimpleJsonPath(c.jsonPath) }));
  return {
    columns: [nameColumn, ...columns.map((c): TableColumn => ({
      name: c.name,
      type: c.type === 'date' || c.type === 'integer' || c.type === 'number' || c.type === 'boolean' ? c.type : 'string',
      format: c.format ?? '',
      description: c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
      priority: c.priority ?? 0,
    }))],
    cells(obj, now) {
      return [obj.metadata.name ?? '', ...parsed.map(({ c, steps }) => cell(steps ? valueAt(obj, steps) : undefined, c.type, now))];
    },
  };
}

function cell(v: unknown, type: string, now: Date): unknown {
  if (v === undefined || v === null) return null;
  if (type === 'date') return typeof v === 'string' ? age(v, now) : null;
  if (type === 'integer') return typeof v === 'number' && Number.isInteger(v) ? v : null;
  if (type === 'number') return typeof v === 'number' ? v : null;
  if (type === 'boolean') return typeof v === 'boolean' ? v : null;
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

function age(ts: unknown, now: Date): string {
  if (typeof ts !== 'string') return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now.getTime() - t);
}
