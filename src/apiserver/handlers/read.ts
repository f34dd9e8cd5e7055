// GET one object, LIST a collection.
import type { ListMeta } from '../../api/object.js';
import { continueExpiredMessage } from '../../registry/storage-codec.js';
import { encodeContext, type ResourceScope } from '../scope.js';
import { objectResponse, listResponse } from '../encode.js';
import { decodeContinue, encodeContinue, parseNonNegativeInt, selectionFilter } from '../query.js';
import { errors, field } from '../../api/status.js';
import type { ApiResponse } from '../types.js';

export async function getObject(s: ResourceScope): Promise<ApiResponse> {
  const enc = encodeContext(s);
  const obj = await s.store.get(s.info.namespace, s.info.urlName, s.info.query.get('resourceVersion') ?? undefined);
  return objectResponse(200, obj, enc);
}

const listOptionsKind = { group: 'meta.k8s.io', kind: 'ListOptions' };

export async function listObjects(s: ResourceScope): Promise<ApiResponse> {
  const enc = encodeContext(s);
  const q = s.info.query;
  const filter = selectionFilter(s.store.strategy, q.get('labelSelector'), q.get('fieldSelector'));
  const limit = parseNonNegativeInt(q, 'limit');
  // A list ignores timeoutSeconds, but it is part of ListOptions and must still parse.
  parseNonNegativeInt(q, 'timeoutSeconds');
  const token = q.get('continue');
  const resourceVersion = q.get('resourceVersion') ?? undefined;
  const match = q.get('resourceVersionMatch') ?? undefined;
  if (match !== undefined && match !== '') {
    if (match !== 'NotOlderThan' && match !== 'Exact') {
      throw errors.invalid(listOptionsKind, '', [field.notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan'])]);
    }
    if (!resourceVersion) throw errors.invalid(listOptionsKind, '', [field.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided')]);
    if (token) throw errors.invalid(listOptionsKind, '', [field.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided')]);
    if (match === 'Exact' && resourceVersion === '0') throw errors.invalid(listOptionsKind, '', [field.forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"')]);
  }
  if (q.has('sendInitialEvents')) throw errors.invalid(listOptionsKind, '', [field.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list')]);
  const prefix = s.store.listPrefix(s.info.namespace);
  const continueFrom = token ? decodeContinue(token, prefix) : undefined;
  if (continueFrom && resourceVersion && resourceVersion !== '0') {
    throw errors.badRequest('specifying resource version is not allowed when using continue');
  }
  let result;
  try {
    result = await s.store.list(s.info.namespace, {
      ...(filter ? { filter } : {}),
      ...(limit && limit > 0 ? { limit } : {}),
      ...(continueFrom ? { continueFrom } : {}),
      ...(resourceVersion !== undefined ? { resourceVersion } : {}),
      ...(match ? { resourceVersionMatch: match } : {}),
    });
  } catch (e) {
    if (continueFrom && e instanceof Error && e.name === 'StatusError' && (e as { code?: number }).code === 410) throw errors.expired(continueExpiredMessage);
    throw e;
  }
  const meta: ListMeta = { resourceVersion: String(result.revision) };
  if (result.nextKey !== undefined) {
    meta.continue = encodeContinue(result.nextKey, result.revision);
    if (result.remainingItemCount !== undefined) meta.remainingItemCount = result.remainingItemCount;
  }
  return listResponse(s.resource, result.items, meta, enc);
}
