// The request pipeline, listed once in request order:
// request info → metrics → audit ID → authentication → audit → impersonation → priority and fairness (or the plain
// in-flight limit) → authorization → routing.
import type { Authenticator, Authorizer, UserInfo } from '../auth/types.js';
import type { Auditor } from '../audit/index.js';
import { withAudit, withAuditId } from './audit.js';
import { withAuthentication } from './authentication.js';
import { withAuthorization } from './authorization.js';
import { withImpersonation } from './impersonation.js';
import type { FlowControl } from './flowcontrol/controller.js';
import { withPriorityAndFairness } from './flowcontrol/filter.js';
import { withMaxInFlight, type InFlightGauge, type InFlightLimits } from './max-in-flight.js';
import { parseRequestInfo, type RequestInfo } from './request-info.js';
import { withRequestMetrics, type RequestMetrics } from './request-metrics.js';
import { errorResponse, withWarnings } from './responses.js';
import type { ApiRequest, ApiResponse, Handler, RequestContext } from './types.js';

export interface ChainDeps {
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** The last stage: serve the request. */
  route: Handler;
  /** Without it, requests in flight are not limited. */
  maxInFlight?: { limits: InFlightLimits; gauge: InFlightGauge };
  /** API Priority and Fairness; when given it replaces the plain in-flight limit. */
  flowControl?: FlowControl;
  /** Without it, nothing is audited. */
  auditor?: Auditor;
  /** Without it, requests are not counted. */
  requestMetrics?: { metrics: RequestMetrics; served: (info: RequestInfo) => boolean };
}

export type EntryHandler = (req: ApiRequest, opts?: { user?: UserInfo }) => Promise<ApiResponse>;

export function buildHandlerChain(deps: ChainDeps): EntryHandler {
  const auditor = deps.auditor;
  const counted = deps.requestMetrics;
  const stages: ((next: Handler) => Handler)[] = [
    (next) => (counted ? withRequestMetrics(next, counted.metrics, counted.served) : next), // every answer, 401s and 429s included
    (next) => withAuditId(next, auditor), // every reply carries Audit-Id; records failed authentication
    (next) => withAuthentication(next, deps.authenticator), // needs nothing but headers and the TLS peer
    (next) => (auditor ? withAudit(next, auditor) : next), // the policy sees the authenticated user
    (next) => withImpersonation(next, deps.authorizer), // needs the authenticated user
    (next) => {
      if (deps.flowControl) return withPriorityAndFairness(next, deps.flowControl); // the final (possibly impersonated) user's flow
      return deps.maxInFlight ? withMaxInFlight(next, deps.maxInFlight.limits, deps.maxInFlight.gauge) : next; // exempts system:masters
    },
    (next) => withAuthorization(next, deps.authorizer), // needs the final (possibly impersonated) user
  ];
  let handler: Handler = deps.route;
  for (let i = stages.length - 1; i >= 0; i--) handler = stages[i]!(handler);
  const first = handler;

  return async function requestInfo(req, opts) {
    const lifetime = req.lifetime;
    let own: AbortController | undefined;
    const ctx: RequestContext = {
      requestInfo: parseRequestInfo(req.method, req.url),
      warnings: [],
      // read by few handlers (watches, streams): made on first use; a caller without a lifetime gets one that never ends
      get signal() {
        return lifetime ? lifetime.signal : (own ??= new AbortController()).signal;
      },
      user: opts?.user,
      impersonator: undefined,
    };
    try {
      // every reply carries the warnings given so far, a stage's own answer (a 401, a 403, a 429) too
      return withWarnings(await first(req, ctx), ctx);
    } catch (e) {
      return withWarnings(errorResponse(e), ctx);
    }
  };
}
