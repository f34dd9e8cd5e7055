// `kubectl get pods`: Name, Ready, Status, Restarts, Age (+ wide IP, Node, Nominated Node, Readiness Gates).
import type { KubeObject } from '../api/object.js';
import { get, objects, str, type Obj } from './fields.js';
import type { TablePrinter } from './strategy.js';
import { age, column, nameColumn, ageColumn, orNone, since } from './table.js';

function isRestartable(initContainer: Obj | undefined): boolean {
  return initContainer?.restartPolicy === 'Always';
}

function terminatedReason(t: Obj, prefix: string): string {
  const reason = str(t.reason);
  if (reason !== '') return `${prefix}${reason}`;
  const signal = typeof t.signal === 'number' ? t.signal : 0;
  if (signal !== 0) return `${prefix}Signal:${signal}`;
  return `${prefix}ExitCode:${typeof t.exitCode === 'number' ? t.exitCode : 0}`;
}

function hasCondition(pod: KubeObject, type: string): boolean {
  return objects(get(pod, 'status', 'conditions')).some((c) => c.type === type && c.status === 'True');
}

interface Restarts {
  count: number;
  last: number; // epoch ms, 0 = unknown
}

function addRestarts(acc: Restarts, status: Obj): void {
  acc.count += typeof status.restartCount === 'number' ? status.restartCount : 0;
  const finishedAt = get(status, 'lastState', 'terminated', 'finishedAt');
  const t = typeof finishedAt === 'string' ? Date.parse(finishedAt) : NaN;
  if (!Number.isNaN(t) && t > acc.last) acc.last = t;
}

/** printPod's READY, STATUS and RESTARTS logic. */
export function podStatusSummary(pod: KubeObject): { ready: string; reason: string; restarts: Restarts } {
  const spec = get(pod, 'spec');
  const phase = str(get(pod, 'status', 'phase'));
  let reason = str(get(pod, 'status', 'reason')) || phase;
  if (objects(get(pod, 'status', 'conditions')).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';

  const initSpecs = new Map(objects(get(spec, 'initContainers')).map((c) => [str(c.name), c]));
  const initCount = initSpecs.size;
  let total = objects(get(spec, 'containers')).length + [...initSpecs.values()].filter(isRestartable).length;
  let ready = 0;
  const all: Restarts = { count: 0, last: 0 };
  const sidecars: Restarts = { count: 0, last: 0 };

  let initializing = false;
  const initStatuses = objects(get(pod, 'status', 'initContainerStatuses'));
  for (const [i, c] of initStatuses.entries()) {
    addRestarts(all, c);
    const restartable = isRestartable(initSpecs.get(str(c.name)));
    if (restartable) addRestarts(sidecars, c);
    const terminated = get(c, 'state', 'terminated') as Obj | undefined;
    const waitingReason = str(get(c, 'state', 'waiting', 'reason'));
    if (terminated && terminated.exitCode === 0) continue;
    if (restartable && c.started === true) {
      if (c.ready === true) ready++;
      continue;
    }
    if (terminated) reason = terminatedReason(terminated, 'Init:');
    else if (waitingReason !== '' && waitingReason !== 'PodInitializing') reason = `Init:${waitingReason}`;
    else reason = `Init:${i}/${initCount}`;
    initializing = true;
    break;
  }

  let restarts = all;
  if (!initializing || hasCondition(pod, 'Initialized')) {
    restarts = { ...sidecars };
    let hasRunning = false;
    const statuses = objects(get(pod, 'status', 'containerStatuses'));
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      if (!c) continue;
      addRestarts(restarts, c);
      const waitingReason = str(get(c, 'state', 'waiting', 'reason'));
      const terminated = get(c, 'state', 'terminated') as Obj | undefined;
      if (waitingReason !== '') reason = waitingReason;
      else if (terminated) reason = terminatedReason(terminated, '');
      else if (c.ready === true && get(c, 'state', 'running') !== undefined) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = hasCondition(pod, 'Ready') ? 'Running' : 'NotReady';
  }

  if (pod.metadata.deletionTimestamp) {
    if (str(get(pod, 'status', 'reason')) === 'NodeLost') reason = 'Unknown';
    else if (phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  }
  total = Math.max(total, 0);
  return { ready: `${ready}/${total}`, reason, restarts };
}

function readinessGates(pod: KubeObject): string {
  const gates = objects(get(pod, 'spec', 'readinessGates'));
  if (gates.length === 0) return '<none>';
  const conditions = objects(get(pod, 'status', 'conditions'));
  const trueCount = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${trueCount}/${gates.length}`;
}

export const podTable: TablePrinter = {
  columns: [
    nameColumn,
    column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn,
    column('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', { wide: true }),
    column('Node', "NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.", { wide: true }),
    column('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.', { wide: true }),
    column('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', { wide: true }),
  ],
  cells(pod, now) {
    const { ready, reason, restarts } = podStatusSummary(pod);
    const restartsCell =
      restarts.count !== 0 && restarts.last !== 0 ? `${restarts.count} (${since(new Date(restarts.last).toISOString(), now)} ago)` : String(restarts.count);
    const podIPs = objects(get(pod, 'status', 'podIPs'));
    const ip = str(podIPs[0]?.ip) || str(get(pod, 'status', 'podIP'));
    return [
      pod.metadata.name ?? '',
      ready,
      reason,
      restartsCell,
      age(pod, now),
      orNone(ip),
      orNone(str(get(pod, 'spec', 'nodeName'))),
      orNone(str(get(pod, 'status', 'nominatedNodeName'))),
      readinessGates(pod),
    ];
  },
};
