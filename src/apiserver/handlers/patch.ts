// PATCH: get → apply the patch by content type → update, retried on conflict.
// JSON, merge and strategic merge patches are updates: the store records what they changed in managedFields.
// application/apply-patch+yaml is server-side apply: the endpoint's field manager merges the configuration with
// field ownership (conflicts, force, removal of fields the manager no longer applies); it creates when absent.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, PatchError } from '../../api/patch/index.js';
import { checkDepth, checkNamespace, checkObject, mediaType, parseStructured, readBody } from '../body.js';
import { objectResponse } from '../encode.js';
import { parseDryRun } from '../query.js';
import { isTrue } from '../request-info.js';
import { encodeContext, type ResourceScope } from '../scope.js';
import { errors, makeStatus, StatusError } from '../../api/status.js';
import { headerValue, type ApiResponse } from '../types.js';
import { checkDuplicateFields, checkUnknownFields, parseFieldValidation } from './field-validation.js';
import { checkBodyTypes, checkPatchedTypes } from './type-check.js';
import { admissionFor } from '../admission.js';
import { checkWriteOptions, fieldManagerFor, managerOf, recordWrite } from '../field-managers.js';

/** Custom resources have no strategic merge patch (no Go struct tags to read merge keys from). */
const customPatchTypes = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

export const patchTypes = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

function toStatus(e: unknown): unknown {
  if (!(e instanceof PatchError)) return e;
  switch (e.kind) {
    case 'BadRequest':
      return errors.badRequest(e.message);
    case 'Invalid':
      return new StatusError(makeStatus('Invalid', e.message));
    case 'RequestEntityTooLarge':
      return new StatusError(makeStatus('RequestEntityTooLarge', e.message));
    case 'Unknown':
      // kube-apiserver answers unclassified patch errors with a bare 500 and no reason
      return new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: e.message, code: 500 });
    default: {
      const no: never = e.kind;
      return errors.badRequest(String(no));
    }
  }
}

export interface PatchTarget {
  expected: { group: string; version: string; kind: string; definition: string };
  subresource?: 'status' | 'ephemeralcontainers' | 'approval';
}

export async function patchObject(s: ResourceScope, target: PatchTarget = { expected: s.resource }): Promise<ApiResponse> {
  const enc = encodeContext(s);
  const dryRun = parseDryRun(s.info.query);
  const mode = parseFieldValidation(s.info.query);
  const type = mediaType(headerValue(s.req.headers, 'content-type'));
  const accepted = s.resource.noStrategicMerge ? customPatchTypes : patchTypes;
  if (!accepted.includes(type)) throw errors.unsupportedMediaType(type, accepted);
  const bytes = await readBody(s.req);
  const isApply = type === 'application/apply-patch+yaml';
  const patch = parseStructured(bytes, isApply ? 'application/yaml' : 'application/json', target.expected.kind);
  checkDuplicateFields(bytes, isApply ? 'application/yaml' : 'application/json', mode, s.ctx);
  checkWriteOptions(s, 'PatchOptions', isApply);
  const applied = isApply ? checkObject(patch, target.expected, bytes) : undefined;
  if (applied) {
    checkNamespace(applied, s.resource, s.info.namespace);
    checkBodyTypes(applied, target.expected);
    checkUnknownFields(applied, target.expected.definition, mode, s.ctx);
  }
  const name = s.info.urlName;
  const manager = managerOf(s);
  const force = isTrue(s.info.query.get('force'));
  const fieldManager = fieldManagerFor(s.resource, target.subresource, s.now);

  const apply = (current: KubeObject | undefined): KubeObject => {
    if (applied) {
      if (!current && target.subresource) throw errors.notFound({ group: s.resource.group, resource: s.resource.resource }, name);
      const obj = fieldManager.apply(current, applied, manager, force);
      checkDepth(obj, target.expected.kind);
      checkNamespace(obj, s.resource, s.info.namespace);
      return obj;
    }
    if (!current) throw errors.notFound({ group: s.resource.group, resource: s.resource.resource }, name);
    let result: unknown;
    try {
      switch (type) {
        case 'application/json-patch+json':
          result = applyJsonPatch(current, patch);
          break;
        case 'application/merge-patch+json':
          result = applyMergePatch(current, patch);
          break;
        default:
          result = applyStrategicMergePatch(current, patch, target.expected.definition);
      }
    } catch (e) {
      throw toStatus(e);
    }
    if (!isRecord(result) || !isRecord(result['metadata'])) throw errors.badRequest('the patch produced an object without metadata');
    // Patches can nest: a JSON patch adds values at any depth, one operation after another.
    checkDepth(result, target.expected.kind);
    const obj = result as KubeObject;
    checkPatchedTypes(obj, target.expected, type === 'application/json-patch+json' || type === 'application/merge-patch+json' ? 'json' : 'strategic', patch);
    checkNamespace(obj, s.resource, s.info.namespace);
    checkUnknownFields(obj, target.expected.definition, mode, s.ctx);
    return obj;
  };

  if (applied && !s.store.strategy.allowCreateOnUpdate && !target.subresource) {
    // Server-side apply creates a missing object even for kinds that do not allow create-on-update.
    try {
      await s.store.get(s.info.namespace, name);
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'NotFound') {
        const obj = apply(undefined);
        if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
          throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
        }
        obj.metadata.name = name;
        const createAdmission = admissionFor(s, 'CREATE', dryRun);
        return objectResponse(201, await s.store.create(s.info.namespace, obj, { dryRun, ...(createAdmission ? { admission: createAdmission } : {}), ...(s.ctx.user ? { user: s.ctx.user } : {}) }), enc);
      }
      throw e;
    }
  }
  const admission = admissionFor(s, 'UPDATE', dryRun, target.subresource ?? '');
  const { object, created } = await s.store.update(s.info.namespace, name, apply, {
    dryRun,
    ...(admission ? { admission } : {}),
    // An apply has recorded ownership itself; other patches are updates.
    ...(applied ? {} : { managedFields: recordWrite(s, target.subresource) }),
    retryOnConflict: true,
    ...(target.subresource ? { subresource: target.subresource } : {}),
  });
  return objectResponse(created ? 201 : 200, object, enc);
}
