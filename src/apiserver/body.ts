// Request bodies: read with the 3 MiB limit, decode JSON / YAML / protobuf, check kind and apiVersion.
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../api/object.js';
import { exceededMaxDepth, exceedsDepth, maxJsonDepth } from '../api/json-depth.js';
import { yamlMayNestDeeperThan } from '../api/yaml-depth.js';
import { isRecord } from '../api/object.js';
import { decodeKubernetesProtobuf, isProtobufContentType } from '../api/protobuf/index.js';
import { parseJson } from '../api/schema/index.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { groupVersion } from '../api/resource-info.js';
import { errors } from '../api/status.js';
import { headerValue, type ApiRequest } from './types.js';

export const maxBodyBytes = 3 * 1024 * 1024;

const objectMediaTypes = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

export async function readBody(req: ApiRequest): Promise<Uint8Array> {
  const b = req.body;
  let bytes: Uint8Array;
  if (b === undefined) bytes = new Uint8Array();
  else if (typeof b === 'string') bytes = Buffer.from(b, 'utf8');
  else if (b instanceof Uint8Array) bytes = b;
  else bytes = await b();
  if (bytes.byteLength > maxBodyBytes) throw errors.tooLarge();
  return bytes;
}

function summarize(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.subarray(0, 30)).toString('utf8');
  return bytes.byteLength > 30 ? `${text} ...` : text;
}

function unrecognized(expectedKind: string, why: string, bytes?: Uint8Array): Error {
  return errors.badRequest(`the object provided is unrecognized (must be of type ${expectedKind}): couldn't get version/kind; json parse error: ${why}${bytes ? ` (${summarize(bytes)})` : ''}`);
}

/** A decoded body (or what a patch made of an object) nested deeper than maxJsonDepth is a 400. */
export function checkDepth(value: unknown, expectedKind: string, bytes?: Uint8Array): void {
  if (exceedsDepth(value)) throw unrecognized(expectedKind, exceededMaxDepth, bytes);
}

/** Parse a body as JSON or YAML by media type; protobuf is handled by decodeObject. */
export function parseStructured(bytes: Uint8Array, type: string, expectedKind: string): unknown {
  const text = Buffer.from(bytes).toString('utf8');
  let value: unknown;
  try {
    // Repeated YAML keys: the last one wins, as in Kubernetes; fieldValidation reports them (checkDuplicateFields).
    if (type === 'application/yaml' && yamlMayNestDeeperThan(text, maxJsonDepth)) throw new Error(exceededMaxDepth);
    value = type === 'application/yaml' ? parseYaml(text, { version: '1.1', uniqueKeys: false }) : parseJson(text);
  } catch (e) {
    throw unrecognized(expectedKind, e instanceof Error ? e.message : String(e), bytes);
  }
  // YAML aliases can even make a document contain itself: that fails here too.
  checkDepth(value, expectedKind, bytes);
  return value;
}

/**
 * Decode an object body for `expected` (create/update). Missing kind/apiVersion default to the expected ones,
 * as kube-apiserver's decoder does; a different group/version or kind is a 400.
 */
export async function decodeObject(req: ApiRequest, expected: { group: string; version: string; kind: string }): Promise<KubeObject> {
  const bytes = await readBody(req);
  const type = mediaType(headerValue(req.headers, 'content-type')) || 'application/json';
  let value: unknown;
  if (isProtobufContentType(type)) {
    try {
      const decoded = decodeKubernetesProtobuf(bytes);
      value = { ...decoded.object, apiVersion: decoded.apiVersion, kind: decoded.kind };
    } catch (e) {
      throw errors.badRequest(`the object provided is unrecognized (must be of type ${expected.kind}): ${e instanceof Error ? e.message : String(e)}`);
    }
    checkDepth(value, expected.kind);
  } else if (type === 'application/json' || type === 'application/yaml') {
    value = parseStructured(bytes, type, expected.kind);
  } else {
    throw errors.unsupportedMediaType(type, objectMediaTypes);
  }
  return checkObject(value, expected, bytes);
}

export function checkObject(value: unknown, expected: { group: string; version: string; kind: string }, bytes?: Uint8Array): KubeObject {
  if (!isRecord(value)) {
    throw errors.badRequest(`the object provided is unrecognized (must be of type ${expected.kind}): couldn't get version/kind; json parse error: expected an object${bytes ? ` (${summarize(bytes)})` : ''}`);
  }
  const gv = groupVersion(expected);
  const apiVersion = typeof value['apiVersion'] === 'string' && value['apiVersion'] !== '' ? value['apiVersion'] : gv;
  const kind = typeof value['kind'] === 'string' && value['kind'] !== '' ? value['kind'] : expected.kind;
  if (apiVersion !== gv) {
    throw errors.badRequest(`the API version in the data (${apiVersion}) does not match the expected API version (${gv})`);
  }
  if (kind !== expected.kind) {
    throw errors.badRequest(`${kind} in version "${expected.version}" cannot be handled as a ${expected.kind}: no kind "${kind}" is registered for version "${gv}"`);
  }
  const metadata = value['metadata'];
  if (metadata !== undefined && metadata !== null && !isRecord(metadata)) {
    throw errors.badRequest(`${kind} in version "${expected.version}" cannot be handled as a ${expected.kind}: json: cannot unmarshal ${jsonType(metadata)} into Go struct field ${expected.kind}.metadata of type v1.ObjectMeta`);
  }
  const obj = { ...value, apiVersion, kind, metadata: isRecord(metadata) ? metadata : {} } as KubeObject;
  if (obj.metadata.creationTimestamp === null) delete obj.metadata.creationTimestamp;
  return obj;
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v;
}

/** The URL's namespace must match the body's (when the body has one). */
export function checkNamespace(obj: KubeObject, resource: ResourceInfo, urlNamespace: string): void {
  if (!resource.namespaced) return;
  const ns = obj.metadata.namespace;
  if (ns && ns !== urlNamespace) throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
}
