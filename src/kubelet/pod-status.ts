// The pod status a kubelet reports (k8s kubelet_pods.go generateAPIPodStatus): phase from the containers'
// states and the restart policy, the five pod conditions, container statuses, IPs and start time.
import type { KubeObject } from '../api/object.js';
import { timestamp } from '../client/control/events.js';
import { arr, rec, specOf, statusOf, str } from '../api/pod-util.js';
import type { ContainerStatus } from './runtime/types.js';

export interface ContainerView {
  name: string;
  image: string;
  /** The current (or last) runtime container, if one was created. */
  current?: ContainerStatus;
  /** The previous attempt's final state, once restarted. */
  last?: ContainerStatus;
  restartCount: number;
  /** Set while a restart waits out its back-off. */
  waitingReason?: string;
  waitingMessage?: string;
  /** Probe verdicts: readiness (false until a readiness probe passes) and startup. Absent = no probe. */
  ready?: boolean;
  started?: boolean;
}

function isReady(c: ContainerView): boolean {
  return c.current?.state === 'running' && !c.waitingReason && c.ready !== false;
}

export interface PodView {
  pod: KubeObject;
  hostIP: string;
  podIP?: string;
  startTime: number;
  sandboxReady: boolean;
  initContainers: ContainerView[];
  containers: ContainerView[];
  ephemeralContainers?: ContainerView[];
  now: number;
  /** containerID scheme: containerd://<id>, fake://<id>. */
  runtimeName?: string;
}

/** notCreated: the waiting reason of a container not created yet (PodInitializing in a pod with init containers). */
function stateOf(c: ContainerView, scheme: string, notCreated: string): Record<string, unknown> {
  const cur = c.current;
  if (c.waitingReason) return { waiting: { reason: c.waitingReason, ...(c.waitingMessage ? { message: c.waitingMessage } : {}) } };
  if (!cur) return { waiting: { reason: notCreated } };
  if (cur.state === 'created') return { waiting: { reason: 'ContainerCreating' } };
  if (cur.state === 'running') return { running: { startedAt: timestamp(cur.startedAt ?? cur.createdAt) } };
  return terminated(cur, scheme);
}

function terminated(s: ContainerStatus, scheme: string): Record<string, unknown> {
  return {
    terminated: {
      exitCode: s.exitCode ?? 0,
      reason: s.reason ?? (s.exitCode ? 'Error' : 'Completed'),
      ...(s.message ? { message: s.message } : {}),
      startedAt: timestamp(s.startedAt ?? s.createdAt),
      finishedAt: timestamp(s.finishedAt ?? s.createdAt),
      containerID: `${scheme}://${s.id}`,
    },
  };
}

function containerStatus(c: ContainerView, isInit: boolean, scheme: string, notCreated = 'ContainerCreating'): Record<string, unknown> {
  const cur = c.current;
  const running = cur?.state === 'running' && !c.waitingReason;
  const exitedOk = cur?.state === 'exited' && (cur.exitCode ?? 0) === 0;
  return {
    ...(cur ? { containerID: `${scheme}://${cur.id}` } : {}),
    image: cur?.image ?? c.image,
    imageID: cur?.imageRef ?? '',
    lastState: c.last ? terminated(c.last, scheme) : {},
    name: c.name,
    ready: isInit ? exitedOk : running && c.ready !== false,
    restartCount: c.restartCount,
    started: running && c.started !== false,
    state: stateOf(c, scheme, notCreated),
  };
}

/** getPhase: waiting containers keep a pod Pending; stopped ones decide by the restart policy. */
export function podPhaseFor(view: PodView): string {
  const policy = str(specOf(view.pod)['restartPolicy'], 'Always');
  // An init container that failed under restartPolicy Never fails the pod.
  if (policy === 'Never' && view.initContainers.some((c) => c.current?.state === 'exited' && (c.current.exitCode ?? 0) !== 0)) return 'Failed';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of view.containers) {
    const cur = c.current;
    if (c.waitingReason) {
      // Waiting to restart after a termination counts as stopped.
      if (cur?.state === 'exited' || c.last) stopped++;
      else waiting++;
    } else if (!cur || cur.state === 'created' || cur.state === 'unknown') {
      waiting++;
    } else if (cur.state === 'running') {
      running++;
    } else {
      stopped++;
      if ((cur.exitCode ?? 0) === 0) succeeded++;
    }
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

export function buildPodStatus(view: PodView): Record<string, unknown> {
  const scheme = view.runtimeName ?? 'fake';
  const old = statusOf(view.pod);
  const oldConds = arr(old['conditions']);
  const ts = timestamp(view.now);
  const cond = (type: string, ok: boolean, reason?: string) => {
    const prev = oldConds.find((c) => c['type'] === type);
    const status = ok ? 'True' : 'False';
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: prev && prev['status'] === status ? prev['lastTransitionTime'] : ts,
      ...(!ok && reason ? { reason } : {}),
      ...(!ok && reason === 'ContainersNotReady' ? { message: `containers with unready status: [${view.containers.filter((c) => !isReady(c)).map((c) => c.name).join(' ')}]` } : {}),
    };
  };
  const phase = podPhaseFor(view);
  const initialized = view.initContainers.every((c) => c.current?.state === 'exited' && (c.current.exitCode ?? 0) === 0);
  const allRunning = view.containers.length > 0 && view.containers.every(isReady);
  const ready = allRunning && phase === 'Running';
  const finished = phase === 'Succeeded' || phase === 'Failed';
  const scheduled = oldConds.find((c) => c['type'] === 'PodScheduled') ?? { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: ts };
  const conditions = [
    cond('PodReadyToStartContainers', view.sandboxReady && !finished),
    cond('Initialized', initialized, 'ContainersNotInitialized'),
    cond('Ready', ready, finished ? 'PodCompleted' : 'ContainersNotReady'),
    cond('ContainersReady', ready, finished ? 'PodCompleted' : 'ContainersNotReady'),
    scheduled,
  ];
  // As the kubelet: in a pod with init containers, whatever has not been created yet waits as PodInitializing.
  const notCreated = view.initContainers.length ? 'PodInitializing' : 'ContainerCreating';
  const status: Record<string, unknown> = {
    conditions,
    containerStatuses: view.containers.map((c) => containerStatus(c, false, scheme, notCreated)),
    hostIP: view.hostIP,
    hostIPs: [{ ip: view.hostIP }],
    phase,
    ...(view.podIP ? { podIP: view.podIP, podIPs: [{ ip: view.podIP }] } : {}),
    ...(old['qosClass'] ? { qosClass: old['qosClass'] } : {}),
    startTime: timestamp(view.startTime),
  };
  if (view.initContainers.length) status['initContainerStatuses'] = view.initContainers.map((c) => containerStatus(c, true, scheme, notCreated));
  if (view.ephemeralContainers?.length) status['ephemeralContainerStatuses'] = view.ephemeralContainers.map((c) => containerStatus(c, false, scheme));
  return status;
}

/** The container names of a pod's spec, in order. */
export function specContainers(pod: KubeObject, field: 'containers' | 'initContainers' | 'ephemeralContainers'): { name: string; image: string; spec: Record<string, unknown> }[] {
  return arr(specOf(pod)[field]).map((c) => ({ name: str(c['name']), image: str(c['image']), spec: c }));
}

export { rec };
