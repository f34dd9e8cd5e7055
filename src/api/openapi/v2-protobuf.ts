// The /openapi/v2 document as gnostic's openapi_v2.Document protobuf, which kubectl 1.27/1.28 read for
// validation support and explain. kubectl asks with Accept application/com.github.proto-openapi.spec.v2@v1.0+protobuf;
// the answer's Content-Type must be the dotted form, because Go's mime parser rejects the "@". Field numbers: google/gnostic openapiv2/OpenAPIv2.proto.
// Free-form values (vendor extensions, defaults, enums) travel as gnostic Any{yaml}; JSON text is valid YAML.
import { isRecord } from '../object.js';
import { ProtoWriter } from './proto-writer.js';
import { openapiV2Json } from './v2.js';
import type { ResourceInfo } from '../resource-info.js';
import { catalog } from '../catalog.js';

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const records = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isRecord) : []);
const entries = (v: unknown): Array<[string, unknown]> => (isRecord(v) ? Object.entries(v) : []);

/** gnostic Any: field 2 holds the value as YAML. */
function anyValue(value: unknown): Buffer {
  return new ProtoWriter().string(2, JSON.stringify(value)).finish();
}

function named(name: string, value: Buffer): Buffer {
  return new ProtoWriter().string(1, name).message(2, value).finish();
}

function vendorExtensions(w: ProtoWriter, field: number, node: Json): void {
  for (const [key, value] of Object.entries(node)) if (key.startsWith('x-')) w.message(field, named(key, anyValue(value)));
}

export function encodeSchema(s: Json): Buffer {
  const w = new ProtoWriter()
    .string(1, str(s['$ref']))
    .string(2, str(s['format']))
    .string(3, str(s['title']))
    .string(4, str(s['description']));
  if (s['default'] !== undefined) w.message(5, anyValue(s['default']));
  w.double(6, num(s['multipleOf']))
    .double(7, num(s['maximum']))
    .bool(8, bool(s['exclusiveMaximum']))
    .double(9, num(s['minimum']))
    .bool(10, bool(s['exclusiveMinimum']))
    .int64(11, num(s['maxLength']))
    .int64(12, num(s['minLength']))
    .string(13, str(s['pattern']))
    .int64(14, num(s['maxItems']))
    .int64(15, num(s['minItems']))
    .bool(16, bool(s['uniqueItems']))
    .int64(17, num(s['maxProperties']))
    .int64(18, num(s['minProperties']))
    .strings(19, strs(s['required']));
  if (Array.isArray(s['enum'])) for (const e of s['enum']) w.message(20, anyValue(e));
  const additional = s['additionalProperties'];
  if (isRecord(additional)) w.message(21, new ProtoWriter().message(1, encodeSchema(additional)).finish());
  else if (typeof additional === 'boolean') w.message(21, new ProtoWriter().bool(2, additional).finish());
  const type = s['type'];
  if (type !== undefined) w.message(22, new ProtoWriter().strings(1, typeof type === 'string' ? [type] : strs(type)).finish());
  const items = s['items'];
  if (items !== undefined) w.message(23, new ProtoWriter().message(1, isRecord(items) ? encodeSchema(items) : undefined).finish());
  for (const sub of records(s['allOf'])) w.message(24, encodeSchema(sub));
  if (isRecord(s['properties'])) {
    const props = new ProtoWriter();
    for (const [name, sub] of entries(s['properties'])) if (isRecord(sub)) props.message(1, named(name, encodeSchema(sub)));
    w.message(25, props.finish());
  }
  w.string(26, str(s['discriminator'])).bool(27, bool(s['readOnly']));
  if (s['example'] !== undefined) w.message(30, anyValue(s['example']));
  vendorExtensions(w, 31, s);
  return w.finish();
}

function encodeParameter(p: Json): Buffer {
  const ref = str(p['$ref']);
  if (ref) return new ProtoWriter().message(2, new ProtoWriter().string(1, ref).finish()).finish();
  let parameter: Buffer;
  if (p['in'] === 'body') {
    const body = new ProtoWriter().string(1, str(p['description'])).string(2, str(p['name'])).string(3, 'body').bool(4, bool(p['required']));
    if (isRecord(p['schema'])) body.message(5, encodeSchema(p['schema']));
    parameter = new ProtoWriter().message(1, body.finish()).finish();
  } else {
    // Query and FormData sub-schemas number their fields one higher than Path/Header from "type" on (allow_empty_value is 5).
    const isQuery = p['in'] === 'query';
    const shifted = isQuery || p['in'] === 'formData';
    const sub = new ProtoWriter()
      .bool(1, bool(p['required']))
      .string(2, str(p['in']))
      .string(3, str(p['description']))
      .string(4, str(p['name']))
      .string(shifted ? 6 : 5, str(p['type']))
      .string(shifted ? 7 : 6, str(p['format']))
      .bool(shifted ? 20 : 19, bool(p['uniqueItems']))
      .finish();
    const oneofField = p['in'] === 'header' ? 1 : p['in'] === 'formData' ? 2 : isQuery ? 3 : 4;
    parameter = new ProtoWriter().message(2, new ProtoWriter().message(oneofField, sub).finish()).finish();
  }
  return new ProtoWriter().message(1, parameter).finish();
}

function encodeOperation(o: Json): Buffer {
  const w = new ProtoWriter().strings(1, strs(o['tags'])).string(2, str(o['summary'])).string(3, str(o['description'])).string(5, str(o['operationId'])).strings(6, strs(o['produces'])).strings(7, strs(o['consumes']));
  for (const p of records(o['parameters'])) w.message(8, encodeParameter(p));
  const responses = new ProtoWriter();
  for (const [code, r] of entries(o['responses'])) {
    if (!isRecord(r)) continue;
    const response = new ProtoWriter().string(1, str(r['description']));
    if (isRecord(r['schema'])) response.message(2, new ProtoWriter().message(1, encodeSchema(r['schema'])).finish());
    responses.message(1, named(code, new ProtoWriter().message(1, response.finish()).finish()));
  }
  w.message(9, responses.finish()).strings(10, strs(o['schemes'])).bool(11, bool(o['deprecated']));
  vendorExtensions(w, 13, o);
  return w.finish();
}

const methodField: Record<string, number> = { get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8 };

function encodePathItem(item: Json): Buffer {
  const w = new ProtoWriter();
  for (const [method, field] of Object.entries(methodField)) {
    const o = item[method];
    if (isRecord(o)) w.message(field, encodeOperation(o));
  }
  for (const p of records(item['parameters'])) w.message(9, encodeParameter(p));
  vendorExtensions(w, 10, item);
  return w.finish();
}

export function encodeDocument(doc: Json): Buffer {
  const info = isRecord(doc['info']) ? doc['info'] : {};
  const w = new ProtoWriter().string(1, str(doc['swagger'])).message(2, new ProtoWriter().string(1, str(info['title'])).string(2, str(info['version'])).finish());
  const paths = new ProtoWriter();
  for (const [path, item] of entries(doc['paths'])) if (isRecord(item)) paths.message(2, named(path, encodePathItem(item)));
  w.message(8, paths.finish());
  const definitions = new ProtoWriter();
  for (const [name, schema] of entries(doc['definitions'])) if (isRecord(schema)) definitions.message(1, named(name, encodeSchema(schema)));
  w.message(9, definitions.finish());
  for (const requirement of records(doc['security'])) {
    const req = new ProtoWriter();
    for (const [name, scopes] of Object.entries(requirement)) req.message(1, named(name, new ProtoWriter().strings(1, strs(scopes)).finish()));
    w.message(12, req.finish());
  }
  const securityDefs = new ProtoWriter();
  for (const [name, d] of entries(doc['securityDefinitions'])) {
    if (!isRecord(d) || d['type'] !== 'apiKey') continue;
    const apiKey = new ProtoWriter().string(1, 'apiKey').string(2, str(d['name'])).string(3, str(d['in'])).string(4, str(d['description'])).finish();
    securityDefs.message(1, named(name, new ProtoWriter().message(2, apiKey).finish()));
  }
  w.message(13, securityDefs.finish());
  return w.finish();
}

const cached = new WeakMap<readonly ResourceInfo[], Buffer>();

/** The Content-Type to answer with (kube-openapi's). */
export const openapiV2ProtobufContentType = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** Whether an Accept header asks for the protobuf form (either spelling of the media type). */
export function acceptsOpenapiV2Protobuf(accept: string | undefined): boolean {
  return /application\/com\.github\.proto-openapi\.spec\.v2[@.]v1\.0\+protobuf/.test(accept ?? '');
}

export function openapiV2Protobuf(resources: readonly ResourceInfo[] = catalog): Buffer {
  let hit = cached.get(resources);
  if (!hit) {
    hit = encodeDocument(openapiV2Json(resources) as Json);
    cached.set(resources, hit);
  }
  return hit;
}
