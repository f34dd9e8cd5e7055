// admission.k8s.io/v1 AdmissionReview: the request a webhook receives and the checks its answer must pass
// (kube-apiserver's CreateV1AdmissionReview and VerifyAdmissionResponse), worded as kube-apiserver words them.
import { randomUUID } from 'node:crypto';
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { exceedsDepth } from '../../api/json-depth.js';
import type { AdmissionRequest } from '../types.js';
import type { Invocation } from './matcher.js';

export interface ReviewObjects {
  object: KubeObject | null;
  oldObject: KubeObject | null;
}

function operationOptions(req: AdmissionRequest): Record<string, unknown> | null {
  // a CONNECT's options are its object (PodExecOptions...): there are no operation options
  if (req.operation === 'CONNECT') return null;
  const kind = req.operation === 'CREATE' ? 'CreateOptions' : req.operation === 'UPDATE' ? 'UpdateOptions' : 'DeleteOptions';
  return { kind, apiVersion: 'meta.k8s.io/v1', ...(req.dryRun ? { dryRun: ['All'] } : {}) };
}

/** Connect options carry no ObjectMeta on the wire. */
function withoutMetadata(obj: KubeObject): Record<string, unknown> {
  const { metadata: _metadata, ...rest } = obj;
  void _metadata;
  return rest;
}

export function buildReview(req: AdmissionRequest, inv: Invocation, objs: ReviewObjects): { uid: string; review: Record<string, unknown> } {
  const uid = randomUUID();
  const userInfo: Record<string, unknown> = { username: req.user.name };
  if (req.user.uid) userInfo.uid = req.user.uid;
  if (req.user.groups.length > 0) userInfo.groups = req.user.groups;
  if (req.user.extra && Object.keys(req.user.extra).length > 0) userInfo.extra = req.user.extra;
  const request: Record<string, unknown> = {
    uid,
    kind: { group: inv.group, version: inv.version, kind: inv.kind },
    resource: { group: inv.group, version: inv.version, resource: inv.resource },
    ...(inv.subresource ? { subResource: inv.subresource } : {}),
    requestKind: { group: req.resource.group, version: req.resource.version, kind: req.resource.kind },
    requestResource: { group: req.resource.group, version: req.resource.version, resource: req.resource.resource },
    ...(req.subresource ? { requestSubResource: req.subresource } : {}),
    ...(req.name ? { name: req.name } : {}),
    ...(req.namespace ? { namespace: req.namespace } : {}),
    operation: req.operation,
    userInfo,
    object: req.operation === 'CONNECT' && objs.object ? withoutMetadata(objs.object) : objs.object,
    oldObject: objs.oldObject,
    dryRun: req.dryRun,
    options: operationOptions(req),
  };
  return { uid, review: { kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1', request } };
}

export interface VerifiedResponse {
  allowed: boolean;
  result?: Record<string, unknown>;
  patch?: unknown;
  warnings: string[];
  auditAnnotations: Record<string, string>;
}

export class InvalidResponse extends Error {
  override name = 'InvalidResponse';
}

/** Decodes and checks a webhook's answer; throws InvalidResponse with kube-apiserver's reason. */
export function verifyResponse(body: Buffer, uid: string, mutating: boolean): VerifiedResponse {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new InvalidResponse(`couldn't get version/kind; json parse error: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isRecord(doc)) throw new InvalidResponse("couldn't get version/kind; json parse error: json: cannot unmarshal into Go value of type struct");
  if (exceedsDepth(doc)) throw new InvalidResponse('exceeded max depth');
  const response = doc.response;
  if (!isRecord(response)) throw new InvalidResponse('webhook response was absent');
  if (response.uid !== uid) throw new InvalidResponse(`expected response.uid=${JSON.stringify(uid)}, got ${JSON.stringify(typeof response.uid === 'string' ? response.uid : '')}`);
  const apiVersion = typeof doc.apiVersion === 'string' ? doc.apiVersion : '';
  const kind = typeof doc.kind === 'string' ? doc.kind : '';
  if (apiVersion !== 'admission.k8s.io/v1' || kind !== 'AdmissionReview') {
    throw new InvalidResponse(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${apiVersion}, Kind=${kind}`);
  }
  const patchText = typeof response.patch === 'string' ? response.patch : '';
  const hasPatchType = response.patchType !== undefined && response.patchType !== null;
  let patch: unknown;
  if (mutating) {
    if (patchText !== '' && !hasPatchType) throw new InvalidResponse('webhook returned response.patch but not response.patchType');
    if (patchText === '' && hasPatchType) throw new InvalidResponse('webhook returned response.patchType but not response.patch');
    if (hasPatchType && response.patchType === '') throw new InvalidResponse('webhook returned invalid response.patchType of ""');
    if (patchText !== '') {
      if (response.patchType !== 'JSONPatch') throw new InvalidResponse(`unsupported patch type ${JSON.stringify(String(response.patchType))}`);
      try {
        patch = JSON.parse(Buffer.from(patchText, 'base64').toString('utf8'));
      } catch (e) {
        throw new InvalidResponse(`received undecodable patch in webhook response: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (exceedsDepth(patch)) throw new InvalidResponse('received undecodable patch in webhook response: exceeded max depth');
    }
  } else {
    if (patchText !== '') throw new InvalidResponse('validating webhook may not return response.patch');
    if (hasPatchType) throw new InvalidResponse('validating webhook may not return response.patchType');
  }
  const warnings = Array.isArray(response.warnings) ? response.warnings.filter((w): w is string => typeof w === 'string').slice(0, 100) : [];
  const auditAnnotations: Record<string, string> = {};
  if (isRecord(response.auditAnnotations)) {
    for (const [k, v] of Object.entries(response.auditAnnotations)) if (typeof v === 'string') Object.defineProperty(auditAnnotations, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return {
    allowed: response.allowed === true,
    ...(isRecord(response.status) ? { result: response.status } : {}),
    ...(patch !== undefined ? { patch } : {}),
    warnings,
    auditAnnotations,
  };
}
