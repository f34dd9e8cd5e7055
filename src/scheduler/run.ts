// kube-scheduler as a component: leader election on kube-system/kube-scheduler, then the scheduling loop.
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { SharedInformerFactory } from '../client/informer.js';
import { defaultLeaderElection, runLeaderElection, type LeaderElectionTiming } from '../client/leader-election.js';
import type { RestClient } from '../client/rest.js';
import { realClock, type Clock } from '../client/workqueue.js';
import { createEventRecorder } from '../client/control/events.js';
import { startScheduler } from './scheduler.js';

export interface SchedulerOptions {
  client: RestClient;
  signal: AbortSignal;
  log?: (line: string) => void;
  clock?: Clock;
  leaderElect?: boolean;
  identity?: string;
  /** --leader-elect-lease-duration/-renew-deadline/-retry-period (defaults 15 s, 10 s, 2 s). */
  leaderElection?: LeaderElectionTiming;
}

function schedule(o: SchedulerOptions, signal: AbortSignal): Promise<void> {
  setMaxListeners(0, signal);
  const clock = o.clock ?? realClock;
  const log = o.log ?? (() => {});
  const factory = new SharedInformerFactory(o.client, { clock, log });
  const running = startScheduler({ client: o.client, factory, recorder: createEventRecorder({ client: o.client, component: 'default-scheduler', clock, log }), clock, signal, log });
  factory.start(signal);
  return running;
}

export async function runScheduler(o: SchedulerOptions): Promise<void> {
  if (o.leaderElect === false) return schedule(o, o.signal);
  await runLeaderElection({
    client: o.client,
    namespace: 'kube-system',
    name: 'kube-scheduler',
    identity: o.identity ?? `${hostname()}_${process.pid}_${Math.random().toString(16).slice(2, 10)}`,
    ...defaultLeaderElection,
    ...o.leaderElection,
    releaseOnCancel: true,
    signal: o.signal,
    ...(o.log ? { log: o.log } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
    onStartedLeading: (leading) => schedule(o, leading),
    onNewLeader: (id) => o.log?.(`scheduler: leader is ${id}`),
  });
}
