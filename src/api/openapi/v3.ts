// The OpenAPI 3.0 documents served at /openapi/v3 (the root index) and /openapi/v3/<api/v1|apis/<g>/<v>>.
import { createHash } from 'node:crypto';
import { isRecord } from '../object.js';
import { neededDefinitions, publishedDefinition } from './document-parts.js';
import { endpoints, groupVersionPath, type OperationSpec, type Payload, type PathSpec } from './endpoints.js';
import type { ParamSpec } from './parameters.js';
import { securityDefinitions } from './v2.js';
import { resourceFingerprint, type ResourceInfo } from '../resource-info.js';
import { catalog } from '../catalog.js';

type Json = Record<string, unknown>;

const v2Prefix = '#/definitions/';
const v3Prefix = '#/components/schemas/';

/** OpenAPI v3 publishes these two as one-of types rather than v2's string formats. */
const v3Overrides: Record<string, Json> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { oneOf: [{ type: 'string' }, { type: 'number' }] },
};

/** A v2 schema as v3 writes it: refs point into components.schemas, and a $ref with siblings is wrapped in allOf. */
export function toV3Schema(node: unknown, underProperties = false): unknown {
  if (Array.isArray(node)) return node.map((n) => toV3Schema(n));
  if (!isRecord(node)) return node;
  const out: Json = {};
  if (underProperties) {
    // the keys are property names (a property may be called "default", "enum" or "$ref")
    for (const [key, value] of Object.entries(node)) Object.defineProperty(out, key, { value: toV3Schema(value), enumerable: true, writable: true, configurable: true });
    return out;
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties') out[key] = toV3Schema(value, true);
    else if (key === 'default' || key === 'enum') out[key] = value;
    else if (key === '$ref' && typeof value === 'string') out[key] = value.startsWith(v2Prefix) ? v3Prefix + value.slice(v2Prefix.length) : value;
    else out[key] = toV3Schema(value);
  }
  const ref = out['$ref'];
  if (ref !== undefined && Object.keys(out).length > 1) {
    const { $ref: _dropped, ...rest } = out;
    return { allOf: [{ $ref: ref }], ...rest };
  }
  return out;
}

function v3Param(p: ParamSpec): Json {
  return { name: p.name, in: p.in, description: p.description, ...(p.required ? { required: true } : {}), schema: { type: p.type, uniqueItems: true } };
}

function v3Schema(payload: Payload): Json {
  return 'definition' in payload ? { $ref: v3Prefix + payload.definition } : { type: 'string' };
}

const codeText = { '200': 'OK', '201': 'Created', '202': 'Accepted' } as const;

function v3Operation(o: OperationSpec): Json {
  const content = (types: string[], payload: Payload): Json => Object.fromEntries(types.map((t) => [t, { schema: v3Schema(payload) }]));
  const responses: Json = {};
  for (const code of ['200', ...o.alsoCodes] as const) responses[code] = { description: codeText[code], content: content(o.produces, o.response) };
  responses['401'] = { description: 'Unauthorized' };
  return {
    tags: [o.tag],
    description: o.description,
    operationId: o.operationId,
    ...(o.parameters.length > 0 ? { parameters: o.parameters.map(v3Param) } : {}),
    ...(o.body ? { requestBody: { content: content(o.consumes, o.body), ...(o.bodyRequired ? { required: true } : {}) } } : {}),
    responses,
    ...(o.action ? { 'x-kubernetes-action': o.action } : {}),
    ...(o.gvk ? { 'x-kubernetes-group-version-kind': { group: o.gvk.group, kind: o.gvk.kind, version: o.gvk.version } } : {}),
  };
}

function buildDocument(gvPath: string, paths: PathSpec[], resources: readonly ResourceInfo[]): Json {
  const outPaths: Json = {};
  for (const p of paths) {
    const item: Json = {};
    for (const o of p.operations) item[o.method] = v3Operation(o);
    if (p.parameters.length > 0) item['parameters'] = p.parameters.map(v3Param);
    outPaths[p.path] = item;
  }
  const schemas: Json = {};
  for (const name of neededDefinitions(paths, resources, gvPath)) schemas[name] = v3Overrides[name] ?? toV3Schema(publishedDefinition(name));
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths: outPaths,
    components: { schemas, securitySchemes: securityDefinitions },
  };
}

interface Built {
  document: Json;
  bytes: Buffer;
  hash: string;
}

const builtFor = new WeakMap<readonly ResourceInfo[], Map<string, Built>>();
/** Documents by group/version path and the resources in it. */
const byContent = new Map<string, Built>();

function allBuilt(resources: readonly ResourceInfo[]): Map<string, Built> {
  const hit = builtFor.get(resources);
  if (hit) return hit;
  const byGv = new Map<string, PathSpec[]>();
  for (const p of endpoints(resources)) {
    const list = byGv.get(p.groupVersionPath) ?? [];
    list.push(p);
    byGv.set(p.groupVersionPath, list);
  }
  const built = new Map<string, Built>();
  for (const [gvPath, paths] of [...byGv].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    // a group/version whose resources did not change keeps its document (and hash) across registry changes
    const key = `${gvPath} ${resourceFingerprint(resources.filter((r) => groupVersionPath(r.group, r.version) === gvPath))}`;
    let b = byContent.get(key);
    if (!b) {
      const document = buildDocument(gvPath, paths, resources);
      const bytes = Buffer.from(JSON.stringify(document));
      b = { document, bytes, hash: createHash('sha512').update(bytes).digest('hex').toUpperCase() };
      byContent.set(key, b);
      if (byContent.size > 1000) byContent.delete(byContent.keys().next().value as string);
    }
    built.set(gvPath, b);
  }
  builtFor.set(resources, built);
  return built;
}

/** /openapi/v3: one entry per served group/version, each naming its document with a content hash. */
export function openapiV3Root(resources: readonly ResourceInfo[] = catalog): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [gvPath, b] of allBuilt(resources)) paths[gvPath] = { serverRelativeURL: `/openapi/v3/${gvPath}?hash=${b.hash}` };
  return { paths };
}

/** /openapi/v3/<gvPath> for gvPath "api/v1" or "apis/<group>/<version>"; undefined when not served. */
export function openapiV3GroupVersion(gvPath: string, resources: readonly ResourceInfo[] = catalog): object | undefined {
  return allBuilt(resources).get(gvPath)?.document;
}

/** The serialized document and its hash (upper-case sha512 hex), for ETag and the immutable ?hash= responses. */
export function openapiV3GroupVersionBytes(gvPath: string, resources: readonly ResourceInfo[] = catalog): { bytes: Buffer; hash: string } | undefined {
  const b = allBuilt(resources).get(gvPath);
  return b ? { bytes: b.bytes, hash: b.hash } : undefined;
}
