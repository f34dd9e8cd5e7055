// The in-flight limit (kube-apiserver's --max-requests-inflight and --max-mutating-requests-inflight): at most
// so many read-only and so many mutating requests at once; one more is answered 429 with Retry-After, as
// kube-apiserver answers it (plain text). Long-running requests (watch, exec, attach, port-forward, proxy, logs)
// are not counted, and neither are members of system:masters.
import type { RequestInfo } from './request-info.js';
import type { Handler } from './types.js';

export interface InFlightLimits {
  /** 0: unlimited. */
  readOnly: number;
  mutating: number;
}

export const defaultInFlightLimits: InFlightLimits = { readOnly: 400, mutating: 200 };

/** Requests in flight now, by kind (the apiserver_current_inflight_requests gauge). */
export class InFlightGauge {
  readOnly = 0;
  mutating = 0;
  rejected = 0;
}

const longRunningVerbs = new Set(['watch', 'proxy']);
const longRunningSubresources = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);
const readOnlyVerbs = new Set(['get', 'list', 'watch']);

/** Watches, proxies and the pod streams: requests that last as long as the client wants. */
export function isLongRunning(info: RequestInfo): boolean {
  return longRunningVerbs.has(info.verb) || (info.isResourceRequest && longRunningSubresources.has(info.subresource));
}

export function withMaxInFlight(next: Handler, limits: InFlightLimits, gauge: InFlightGauge): Handler {
  return async function maxInFlight(req, ctx) {
    const info = ctx.requestInfo;
    if (isLongRunning(info)) return next(req, ctx);
    if (ctx.user?.groups.includes('system:masters')) return next(req, ctx);
    const kind = readOnlyVerbs.has(info.verb) ? 'readOnly' : 'mutating';
    const limit = limits[kind];
    if (limit > 0 && gauge[kind] >= limit) {
      gauge.rejected++;
      return {
        status: 429,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'retry-after': '1' },
        body: 'Too many requests, please try again later.\n',
      };
    }
    gauge[kind]++;
    try {
      return await next(req, ctx);
    } finally {
      gauge[kind]--;
    }
  };
}
