// The Swagger 2.0 document served at /openapi/v2 (JSON; see v2-protobuf.ts for the protobuf form kubectl asks for).
import { refTo } from './definitions.js';
import { neededDefinitions, publishedDefinition } from './document-parts.js';
import { endpoints, type OperationSpec, type Payload } from './endpoints.js';
import type { ParamSpec } from './parameters.js';
import type { ResourceInfo } from '../resource-info.js';
import { catalog } from '../catalog.js';

type Json = Record<string, unknown>;

export const securityDefinitions = { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } };

function v2Param(p: ParamSpec): Json {
  return { description: p.description, in: p.in, name: p.name, ...(p.required ? { required: true } : {}), type: p.type, uniqueItems: true };
}

function v2Schema(payload: Payload): Json {
  return 'definition' in payload ? refTo(payload.definition) : { type: 'string' };
}

const codeText = { '200': 'OK', '201': 'Created', '202': 'Accepted' } as const;

function v2Operation(o: OperationSpec): Json {
  const parameters: Json[] = [];
  if (o.body) parameters.push({ in: 'body', name: 'body', ...(o.bodyRequired ? { required: true } : {}), schema: v2Schema(o.body) });
  parameters.push(...o.parameters.map(v2Param));
  const responses: Json = {};
  for (const code of ['200', ...o.alsoCodes] as const) responses[code] = { description: codeText[code], schema: v2Schema(o.response) };
  responses['401'] = { description: 'Unauthorized' };
  return {
    consumes: o.consumes,
    description: o.description,
    operationId: o.operationId,
    ...(parameters.length > 0 ? { parameters } : {}),
    produces: o.produces,
    responses,
    schemes: ['https'],
    tags: [o.tag],
    ...(o.action ? { 'x-kubernetes-action': o.action } : {}),
    ...(o.gvk ? { 'x-kubernetes-group-version-kind': { group: o.gvk.group, kind: o.gvk.kind, version: o.gvk.version } } : {}),
  };
}

const cached = new WeakMap<readonly ResourceInfo[], Json>();

/** The document for these resources (a ResourceRegistry's served list; the built-in catalog by default). */
export function openapiV2Json(resources: readonly ResourceInfo[] = catalog): object {
  const hit = cached.get(resources);
  if (hit) return hit;
  const all = endpoints(resources);
  const paths: Json = {};
  for (const p of all) {
    const item: Json = {};
    for (const o of p.operations) item[o.method] = v2Operation(o);
    if (p.parameters.length > 0) item['parameters'] = p.parameters.map(v2Param);
    paths[p.path] = item;
  }
  const definitions: Json = {};
  for (const name of neededDefinitions(all, resources)) definitions[name] = publishedDefinition(name);
  const doc: Json = {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths,
    definitions,
    security: [{ BearerToken: [] }],
    securityDefinitions,
  };
  cached.set(resources, doc);
  return doc;
}
