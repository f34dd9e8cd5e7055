// What every controller is given: an API client (never storage), shared informers, an event recorder, a clock.
import type { KubeObject } from '../../api/object.js';
import type { SharedInformerFactory } from '../informer.js';
import type { RestClient } from '../rest.js';
import type { Clock } from '../workqueue.js';

/** The calls controllers make; the REST client satisfies it, and so does the tests' recording fake. */
export type ControllerClient = Pick<RestClient, 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete'>;

/** A reconcile that wants to look again later (minReadySeconds, progress deadlines, schedules) says when. */
export type ReconcileResult = void | { requeueAfterMs: number };

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

export interface ControllerContext {
  client: ControllerClient;
  factory: SharedInformerFactory;
  recorder: EventRecorder;
  clock: Clock;
  signal: AbortSignal;
  log: (line: string) => void;
  workers?: number;
}
