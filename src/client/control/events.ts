// A small event recorder (client-go's record.EventRecorder): core/v1 Events named "<object>.<hex nanos>",
// repeats of the same event within ten minutes are folded into one by bumping its count.
// Recording never blocks or fails the caller.
import type { KubeObject } from '../../api/object.js';
import { realClock, type Clock } from '../workqueue.js';
import { pathFor, R } from './resources.js';
import type { ControllerClient, EventRecorder, EventType } from './types.js';

const foldWindowMs = 10 * 60 * 1000;
const maxRemembered = 4096;

export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface EventRecorderOptions {
  client: Pick<ControllerClient, 'create' | 'patch'>;
  component: string;
  host?: string;
  clock?: Clock;
  log?: (line: string) => void;
}

export function createEventRecorder(o: EventRecorderOptions): EventRecorder {
  const clock = o.clock ?? realClock;
  const seen = new Map<string, { name: string; namespace: string; count: number; at: number }>();

  async function record(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = obj.metadata.namespace || 'default';
    const now = clock.now();
    const ts = timestamp(now);
    const involvedObject = {
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      uid: obj.metadata.uid,
      apiVersion: obj.apiVersion,
      resourceVersion: obj.metadata.resourceVersion,
    };
    const key = [o.component, obj.metadata.uid, obj.metadata.namespace, obj.metadata.name, type, reason, message].join('\u0000');
    const prior = seen.get(key);
    if (prior && now - prior.at < foldWindowMs) {
      prior.count++;
      prior.at = now;
      try {
        await o.client.patch(pathFor(R.events, prior.namespace, prior.name), { count: prior.count, lastTimestamp: ts }, 'merge');
        return;
      } catch {
        seen.delete(key); // gone (or never made it): write a fresh one
      }
    }
    const name = `${obj.metadata.name ?? 'unknown'}.${(BigInt(now) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000))).toString(16)}`;
    await o.client.create(pathFor(R.events, namespace), {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject,
      reason,
      message,
      source: { component: o.component, ...(o.host ? { host: o.host } : {}) },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: o.component,
      reportingInstance: o.host ?? '',
    });
    if (seen.size >= maxRemembered) seen.delete(seen.keys().next().value as string);
    seen.set(key, { name, namespace, count: 1, at: now });
  }

  return {
    event(obj, type, reason, message) {
      record(obj, type, reason, message).catch((e: unknown) => o.log?.(`event ${reason} for ${obj.metadata.name}: ${e instanceof Error ? e.message : String(e)}`));
    },
  };
}
