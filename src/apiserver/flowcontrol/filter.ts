// The request stage of API Priority and Fairness (in place of the plain in-flight limit): each request is
// classified by the FlowSchemas, answered with the schema's and level's UIDs in response headers, and then runs at
// once (exempt level, long-running requests), waits its turn in its level's queues, or is refused 429 as
// kube-apiserver refuses it.
import type { UserInfo } from '../../auth/types.js';
import { isLongRunning } from '../max-in-flight.js';
import type { ApiResponse, Handler } from '../types.js';
import { FlowControlStats, type FlowControl } from './controller.js';

export const flowSchemaUidHeader = 'x-kubernetes-pf-flowschema-uid';
export const priorityLevelUidHeader = 'x-kubernetes-pf-prioritylevel-uid';

const nobody: UserInfo = { name: '', groups: [] };

function tooManyRequests(): ApiResponse {
  return {
    status: 429,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'retry-after': '1' },
    body: 'Too many requests, please try again later.\n',
  };
}

function withHeaders(res: ApiResponse, fsUid: string, plUid: string): ApiResponse {
  res.headers[flowSchemaUidHeader] = fsUid;
  res.headers[priorityLevelUidHeader] = plUid;
  return res;
}

export function withPriorityAndFairness(next: Handler, fc: FlowControl): Handler {
  const stats = fc.stats;
  return async function priorityAndFairness(req, ctx) {
    const info = ctx.requestInfo;
    const c = fc.classify(info, ctx.user ?? nobody);
    if (!c) return next(req, ctx);
    const fsUid = c.flowSchema.uid;
    const plUid = c.level.uid;
    const queueSet = c.level.queueSet;
    const key = FlowControlStats.key(c.flowSchema.name, c.level.name);
    if (isLongRunning(info)) return withHeaders(await next(req, ctx), fsUid, plUid);
    if (!queueSet) {
      stats.add(stats.dispatched, key, 1);
      stats.add(stats.executing, key, 1);
      try {
        return withHeaders(await next(req, ctx), fsUid, plUid);
      } finally {
        stats.add(stats.executing, key, -1);
      }
    }
    let outcome = queueSet.admit(c.flowHash, 1, ctx.signal);
    if (outcome instanceof Promise) {
      stats.add(stats.inQueue, key, 1);
      try {
        outcome = await outcome;
      } finally {
        stats.add(stats.inQueue, key, -1);
      }
    }
    if (!outcome.dispatched) {
      stats.add(stats.rejected, `${key}\0${outcome.reason}`, 1);
      return withHeaders(tooManyRequests(), fsUid, plUid);
    }
    stats.add(stats.dispatched, key, 1);
    stats.add(stats.executing, key, 1);
    try {
      return withHeaders(await next(req, ctx), fsUid, plUid);
    } finally {
      stats.add(stats.executing, key, -1);
      outcome.release();
    }
  };
}
