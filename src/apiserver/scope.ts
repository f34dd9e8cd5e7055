// Everything a resource handler needs about one request.
import type { AdmissionPlugin } from '../admission/types.js';
import type { ResourceInfo } from '../api/resource-info.js';
import type { Store } from '../registry/store.js';
import type { EncodeContext } from './encode.js';
import { negotiate } from './negotiation.js';
import type { ResourceRequestInfo } from './request-info.js';
import { parseIncludeObject } from './table.js';
import { headerValue, type ApiRequest, type RequestContext } from './types.js';

export interface ResourceScope {
  req: ApiRequest;
  ctx: RequestContext;
  info: ResourceRequestInfo;
  resource: ResourceInfo;
  store: Store;
  now: () => Date;
  /** Admission plugins for writes (see admission.ts). */
  admission?: readonly AdmissionPlugin[];
}

export function encodeContext(s: ResourceScope): EncodeContext {
  return {
    output: negotiate(headerValue(s.req.headers, 'accept')),
    strategy: s.store.strategy,
    includeObject: parseIncludeObject(s.info.query.get('includeObject')),
    now: s.now,
  };
}
