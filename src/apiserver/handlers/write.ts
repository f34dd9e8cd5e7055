// CREATE, UPDATE (PUT), DELETE and DELETECOLLECTION.
import type { UpdateSubresource } from '../../registry/store-types.js';
import type { KubeObject } from '../../api/object.js';
import { checkNamespace, decodeObject, mediaType, parseStructured, readBody } from '../body.js';
import { objectResponse, listResponse } from '../encode.js';
import { deleteOptions, parseDryRun, selectionFilter } from '../query.js';
import { encodeContext, type ResourceScope } from '../scope.js';
import { errors, successStatus } from '../../api/status.js';
import { jsonResponse } from '../responses.js';
import { headerValue, type ApiResponse } from '../types.js';
import { checkDuplicateFields, checkUnknownFields, parseFieldValidation } from './field-validation.js';
import { checkBodyTypes } from './type-check.js';
import { admissionFor } from '../admission.js';
import { isProtobufContentType } from '../../api/protobuf/index.js';
import { checkWriteOptions, recordWrite } from '../field-managers.js';

/** Decode a create/update body, check its types and apply fieldValidation (protobuf bodies cannot carry unknown fields). */
export async function decodeBody(s: ResourceScope, expected: { group: string; version: string; kind: string; definition: string }): Promise<KubeObject> {
  const mode = parseFieldValidation(s.info.query);
  const obj = await decodeObject(s.req, expected);
  const type = mediaType(headerValue(s.req.headers, 'content-type')) || 'application/json';
  if (type === 'application/json' || type === 'application/yaml') checkDuplicateFields(await readBody(s.req), type, mode, s.ctx);
  checkBodyTypes(obj, expected);
  if (!isProtobufContentType(type)) checkUnknownFields(obj, expected.definition, mode, s.ctx);
  return obj;
}

export async function createObject(s: ResourceScope): Promise<ApiResponse> {
  const enc = encodeContext(s);
  const dryRun = parseDryRun(s.info.query);
  const obj = await decodeBody(s, s.resource);
  checkNamespace(obj, s.resource, s.info.namespace);
  checkWriteOptions(s, 'CreateOptions');
  const admission = admissionFor(s, 'CREATE', dryRun);
  const created = await s.store.create(s.info.namespace, obj, { dryRun, ...(admission ? { admission } : {}), managedFields: recordWrite(s), ...(s.ctx.user ? { user: s.ctx.user } : {}) });
  return objectResponse(201, created, enc);
}

export async function updateObject(s: ResourceScope, subresource?: UpdateSubresource): Promise<ApiResponse> {
  const enc = encodeContext(s);
  const dryRun = parseDryRun(s.info.query);
  const obj = await decodeBody(s, s.resource);
  checkNamespace(obj, s.resource, s.info.namespace);
  const name = s.info.urlName;
  if (obj.metadata.name !== undefined && obj.metadata.name !== '' && obj.metadata.name !== name) {
    throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
  }
  checkWriteOptions(s, 'UpdateOptions');
  const admission = admissionFor(s, 'UPDATE', dryRun, subresource ?? '');
  const { object, created } = await s.store.update(s.info.namespace, name, () => structuredClone(obj), {
    dryRun,
    ...(admission ? { admission } : {}),
    managedFields: recordWrite(s, subresource),
    requireResourceVersion: true,
    ...(subresource ? { subresource } : {}),
  });
  return objectResponse(created ? 201 : 200, object, enc);
}

async function optionalBody(s: ResourceScope): Promise<unknown> {
  const bytes = await readBody(s.req);
  if (bytes.byteLength === 0) return undefined;
  const type = mediaType(headerValue(s.req.headers, 'content-type')) || 'application/json';
  if (type !== 'application/json' && type !== 'application/yaml') throw errors.unsupportedMediaType(type, ['application/json', 'application/yaml']);
  return parseStructured(bytes, type, 'DeleteOptions');
}

export async function deleteObject(s: ResourceScope): Promise<ApiResponse> {
  const enc = encodeContext(s);
  const opts = deleteOptions(await optionalBody(s), s.info.query);
  const admission = admissionFor(s, 'DELETE', opts.dryRun ?? false);
  const { object, deleted } = await s.store.delete(s.info.namespace, s.info.urlName, { ...opts, ...(admission ? { admission } : {}) });
  const status = !deleted && opts.orphanDependents === false ? 202 : 200;
  if (deleted && !s.store.strategy.returnDeletedObject) {
    return jsonResponse(status, successStatus({ name: object.metadata.name ?? '', group: s.resource.group, kind: s.resource.resource, ...(object.metadata.uid ? { uid: object.metadata.uid } : {}) }));
  }
  return objectResponse(status, object, enc);
}

export async function deleteCollection(s: ResourceScope): Promise<ApiResponse> {
  const enc = encodeContext(s);
  const opts = deleteOptions(await optionalBody(s), s.info.query);
  const filter = selectionFilter(s.store.strategy, s.info.query.get('labelSelector'), s.info.query.get('fieldSelector'));
  const admission = admissionFor(s, 'DELETE', opts.dryRun ?? false);
  const items = await s.store.deleteCollection(s.info.namespace, filter, { ...opts, ...(admission ? { admission } : {}) });
  const revision = String(s.store.cache.revision());
  return listResponse(s.resource, items, { resourceVersion: revision }, enc);
}
