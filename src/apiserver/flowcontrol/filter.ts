// The request stage of API Priority and Fairness (in place of the plain in-flight limit): each request is
// classified by the FlowSchemas, answered with the schema's and level's UIDs in response headers, and then runs at
// once (exempt level, long-running requests, free seats with nobody waiting), waits its turn in its level's
// queues, or is refused 429 as kube-apiserver refuses it.
import type { UserInfo } from '../../auth/types.js';
import { isLongRunning } from '../max-in-flight.js';
import type { ApiResponse, Handler } from '../types.js';
import { flowDistinguisher } from './classify.js';
import { flowHash, type FlowControl, type FlowCounters } from './controller.js';

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

const unused: FlowCounters = { flowSchema: '', priorityLevel: '', inQueue: 0, executing: 0, dispatched: 0, rejected: new Map() };

export function withPriorityAndFairness(next: Handler, fc: FlowControl): Handler {
  return async function priorityAndFairness(req, ctx) {
    const info = ctx.requestInfo;
    const user = ctx.user ?? nobody;
    const c = fc.classify(info, user);
    if (!c) return next(req, ctx);
    const fs = c.flowSchema;
    const fsUid = fs.uid;
    const plUid = c.level.uid;
    const queueSet = c.level.queueSet;
    const counters = fs.counters ?? unused;
    if (isLongRunning(info)) return withHeaders(await next(req, ctx), fsUid, plUid);
    if (!queueSet) {
      counters.dispatched++;
      counters.executing++;
      try {
        return withHeaders(await next(req, ctx), fsUid, plUid);
      } finally {
        counters.executing--;
      }
    }
    // the common case: seats free and nobody waiting
    if (queueSet.tryStartUnqueued(1)) {
      counters.dispatched++;
      counters.executing++;
      const began = performance.now();
      try {
        return withHeaders(await next(req, ctx), fsUid, plUid);
      } finally {
        counters.executing--;
        queueSet.finishUnqueued(1, performance.now() - began);
      }
    }
    let outcome = queueSet.admit(flowHash(fs.name, flowDistinguisher(fs, info, user)), 1, ctx.signal);
    if (outcome instanceof Promise) {
      counters.inQueue++;
      try {
        outcome = await outcome;
      } finally {
        counters.inQueue--;
      }
    }
    if (!outcome.dispatched) {
      counters.rejected.set(outcome.reason, (counters.rejected.get(outcome.reason) ?? 0) + 1);
      return withHeaders(tooManyRequests(), fsUid, plUid);
    }
    counters.dispatched++;
    counters.executing++;
    try {
      return withHeaders(await next(req, ctx), fsUid, plUid);
    } finally {
      counters.executing--;
      outcome.release();
    }
  };
}
