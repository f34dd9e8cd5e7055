// Request metrics under kube-apiserver's names and labels: apiserver_request_total (by code),
// apiserver_request_duration_seconds, apiserver_longrunning_requests (watches and pod streams open now).
// Labels name a resource only when it is served, so a client asking for made-up paths adds no series.
import type { Counter, Gauge, Histogram, MetricsRegistry } from '../metrics/registry.js';
import { isLongRunning } from './max-in-flight.js';
import type { RequestInfo } from './request-info.js';
import { errorResponse } from './responses.js';
import { headerValue, type ApiRequest, type ApiResponse, type Handler } from './types.js';

export interface RequestMetrics {
  total: Counter;
  duration: Histogram;
  longRunning: Gauge;
}

/** kube-apiserver's buckets for apiserver_request_duration_seconds. */
const durationBuckets = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];
const requestLabels = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'];

export function registerRequestMetrics(r: MetricsRegistry): RequestMetrics {
  return {
    total: r.counter('apiserver_request_total', '[STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.', [...requestLabels, 'code']),
    duration: r.histogram('apiserver_request_duration_seconds', '[STABLE] Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.', requestLabels, durationBuckets),
    longRunning: r.gauge('apiserver_longrunning_requests', '[STABLE] Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.', ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component']),
  };
}

/** The verb as kube-apiserver reports it: LIST and WATCH apart from GET, APPLY apart from PATCH, CONNECT for upgrades. */
function reportedVerb(req: ApiRequest, info: RequestInfo): string {
  if (req.upgrade) return 'CONNECT';
  const method = req.method.toUpperCase();
  if (info.isResourceRequest && (method === 'GET' || method === 'HEAD')) {
    if (info.verb === 'list') return 'LIST';
    if (info.verb === 'watch') return 'WATCH';
  }
  if (method === 'PATCH' && (headerValue(req.headers, 'content-type') ?? '').startsWith('application/apply-patch')) return 'APPLY';
  return ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].includes(method) ? method : 'other';
}

function requestLabelValues(req: ApiRequest, info: RequestInfo, served: (info: RequestInfo) => boolean): Record<string, string> {
  const known = info.isResourceRequest && served(info);
  const scope = !known ? '' : info.name !== '' ? 'resource' : info.namespace !== '' ? 'namespace' : 'cluster';
  return {
    verb: reportedVerb(req, info),
    dry_run: info.query.get('dryRun') === 'All' ? 'All' : '',
    group: known ? info.apiGroup : '',
    version: known ? info.apiVersion : '',
    resource: known ? info.resource : '',
    subresource: known ? info.subresource : '',
    scope,
    component: 'apiserver',
  };
}

async function* finishAfter(body: AsyncIterable<string>, done: () => void): AsyncIterable<string> {
  try {
    yield* body;
  } finally {
    done();
  }
}

/**
 * The outermost stage after request info: it sees every answer, authentication failures and 429s included.
 * `served` says whether a resource request names something this server serves.
 */
export function withRequestMetrics(next: Handler, m: RequestMetrics, served: (info: RequestInfo) => boolean): Handler {
  return async function requestMetrics(req, ctx) {
    const start = process.hrtime.bigint();
    const labels = requestLabelValues(req, ctx.requestInfo, served);
    const seconds = (): number => Number(process.hrtime.bigint() - start) / 1e9;
    let res: ApiResponse;
    try {
      res = await next(req, ctx);
    } catch (e) {
      // answered here rather than by the chain's last resort, so the count carries the real code
      res = errorResponse(e);
    }
    m.total.inc({ ...labels, code: String(res.status) });
    const streaming = res.body !== undefined && typeof res.body !== 'string' && !(res.body instanceof Uint8Array);
    if (!streaming && !res.hijacked) {
      m.duration.observe(labels, seconds());
      return res;
    }
    if (!isLongRunning(ctx.requestInfo) && !res.hijacked) {
      // a large list written in slices: its time is the time to write it
      return { ...res, body: finishAfter(res.body as AsyncIterable<string>, () => m.duration.observe(labels, seconds())) };
    }
    const { dry_run: _dryRun, ...open } = labels;
    m.longRunning.add(open, 1);
    if (res.hijacked) {
      // an upgraded connection (exec, attach, port-forward) is open until its socket closes
      const socket = req.upgrade?.socket;
      if (!socket || socket.destroyed) m.longRunning.add(open, -1);
      else socket.once('close', () => m.longRunning.add(open, -1));
      return res;
    }
    return {
      ...res,
      body: finishAfter(res.body as AsyncIterable<string>, () => {
        m.longRunning.add(open, -1);
        m.duration.observe(labels, seconds());
      }),
    };
  };
}
