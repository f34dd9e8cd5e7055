// The node agent's shutdown without --keep-pods (the kubelet's graceful node shutdown, simplified), in one
// bounded budget:
// 1. pods are stopped in two steps, as the kubelet's shutdownGracePeriod / shutdownGracePeriodCriticalPods do:
//    regular pods first, each within min(its terminationGracePeriodSeconds, total − critical part), then critical
//    pods (priority 2000000000 and above: system-cluster-critical, system-node-critical) within the critical part.
//    A container still running at its deadline is killed (the runtime's StopContainer timeout sends SIGKILL); a
//    step whose runtime calls hang is given up after its period plus a margin.
// 2. every sandbox of this node is stopped and removed with its containers, volumes and log directory — those the
//    agent knows and any other sandbox labelled with this node (one created while the agent was stopping).
// Each phase has its own bound, so the whole takes at most shutdownBoundMs (shutdown-periods.ts); the process's
// exit timer is set past that bound (cmd/watchdog.ts), so it never ends the process while the clean-up runs.
import type { KubeObject } from '../api/object.js';
import type { Clock } from '../client/workqueue.js';
import { specOf, str } from '../api/pod-util.js';
import { nodeLabel, type PodRecord } from './pod-sync.js';
import type { RuntimeService } from './runtime/types.js';
import { cleanupSeconds, killMarginSeconds, type ShutdownGracePeriods } from './shutdown-periods.js';

/** Pods at or above this priority are stopped last, in the critical part of the budget (kubelet's SystemCriticalPriority). */
export const systemCriticalPriority = 2_000_000_000;

export function isCriticalPod(pod: KubeObject | undefined): boolean {
  if (!pod) return false;
  const spec = specOf(pod);
  const priority = spec['priority'];
  if (typeof priority === 'number') return priority >= systemCriticalPriority;
  const cls = str(spec['priorityClassName']);
  return cls === 'system-node-critical' || cls === 'system-cluster-critical';
}

export interface ShutdownStep {
  critical: boolean;
  periodSeconds: number;
  pods: { key: string; graceSeconds: number }[];
}

/** The pod's own grace period: a deletion's, else its spec's (30 s by default); 0 for a pod the API no longer has. */
function ownGraceSeconds(pod: KubeObject | undefined): number {
  if (!pod) return 0;
  const g = pod.metadata.deletionGracePeriodSeconds ?? specOf(pod)['terminationGracePeriodSeconds'];
  return typeof g === 'number' && Number.isFinite(g) && g >= 0 ? Math.floor(g) : 30;
}

/** Which pods stop in which step and with what grace period; steps without pods are left out. */
export function planShutdown(pods: readonly { key: string; pod: KubeObject | undefined }[], p: ShutdownGracePeriods): ShutdownStep[] {
  const steps: ShutdownStep[] = [
    { critical: false, periodSeconds: p.totalSeconds - p.criticalPodsSeconds, pods: [] },
    { critical: true, periodSeconds: p.criticalPodsSeconds, pods: [] },
  ];
  for (const { key, pod } of pods) {
    const step = isCriticalPod(pod) ? steps[1] : steps[0];
    step?.pods.push({ key, graceSeconds: Math.min(ownGraceSeconds(pod), step.periodSeconds) });
  }
  return steps.filter((s) => s.pods.length > 0);
}

export interface NodeShutdownDeps {
  nodeName: string;
  runtime: Pick<RuntimeService, 'listPodSandboxes' | 'listContainers' | 'stopContainer' | 'stopPodSandbox' | 'removePodSandbox'>;
  records: Map<string, PodRecord>;
  pods: { get(key: string): KubeObject | undefined };
  /** Stops one pod's containers within graceSeconds (preStop hooks, the stop signal, SIGKILL at the end). */
  stopContainers(rec: PodRecord, graceSeconds: number, pod: KubeObject | undefined): Promise<void>;
  /** Removes a pod's volumes and log directory once its sandbox is gone. */
  removeFiles(pod: { uid: string; namespace: string; name: string }): void;
  clock: Clock;
  log(line: string): void;
}

export interface ShutdownResult {
  /** Sandboxes removed. */
  removed: number;
  /** What could not be removed (sandbox names and why), for the log. */
  left: string[];
}

const late = Symbol('late');

/** The promise's outcome, or `late` once ms have passed (the promise goes on unobserved). */
function within<T>(clock: Clock, ms: number, p: Promise<T>): Promise<T | typeof late> {
  return new Promise((resolve, reject) => {
    const cancel = clock.setTimer(() => resolve(late), ms);
    p.then(
      (v) => {
        cancel();
        resolve(v);
      },
      (e: unknown) => {
        cancel();
        reject(e);
      },
    );
  });
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function shutDownNode(d: NodeShutdownDeps, periods: ShutdownGracePeriods): Promise<ShutdownResult> {
  const steps = planShutdown(
    [...d.records.keys()].map((key) => ({ key, pod: d.pods.get(key) })),
    periods,
  );
  const count = steps.reduce((n, s) => n + s.pods.length, 0);
  if (count > 0) {
    const parts = steps.map((s) => `${plural(s.pods.length, s.critical ? 'critical pod' : 'pod')} within ${s.periodSeconds}s`);
    d.log(`node ${d.nodeName}: stopping ${plural(count, 'pod')} (${parts.join(', then ')}; budget ${periods.totalSeconds}s)`);
  }
  for (const step of steps) {
    const started = d.clock.now();
    const stopping = Promise.all(
      step.pods.map(async ({ key, graceSeconds }) => {
        const rec = d.records.get(key);
        if (!rec) return;
        try {
          await d.stopContainers(rec, graceSeconds, d.pods.get(key));
        } catch (e) {
          d.log(`node ${d.nodeName}: stopping ${key}: ${message(e)}`);
        }
      }),
    );
    const r = await within(d.clock, (step.periodSeconds + killMarginSeconds) * 1000, stopping);
    const took = ((d.clock.now() - started) / 1000).toFixed(1);
    if (r === late) d.log(`node ${d.nodeName}: ${plural(step.pods.length, step.critical ? 'critical pod' : 'pod')} not stopped after ${took}s; removing their sandboxes`);
    else d.log(`node ${d.nodeName}: stopped ${plural(step.pods.length, step.critical ? 'critical pod' : 'pod')} in ${took}s`);
  }

  const result: ShutdownResult = { removed: 0, left: [] };
  const cleanup = removeSandboxes(d, result);
  const r = await within(d.clock, cleanupSeconds * 1000, cleanup);
  if (r === late) result.left.push(`clean-up unfinished after ${cleanupSeconds}s`);
  if (result.removed > 0 || result.left.length > 0) {
    d.log(`node ${d.nodeName}: removed ${plural(result.removed, 'sandbox', 'sandboxes')} with their volumes and logs${result.left.length ? `; left: ${result.left.join('; ')}` : ''}`);
  }
  return result;
}

/** Every sandbox the agent knows, then any other labelled with this node: stopped, removed, their files deleted. */
async function removeSandboxes(d: NodeShutdownDeps, result: ShutdownResult): Promise<void> {
  const remove = async (id: string, pod: { uid: string; namespace: string; name: string }) => {
    try {
      await d.runtime.stopPodSandbox(id);
      await d.runtime.removePodSandbox(id);
      d.removeFiles(pod);
      result.removed++;
    } catch (e) {
      result.left.push(`${pod.namespace}/${pod.name} (${id.slice(0, 13)}): ${message(e)}`);
    }
  };
  const known = [...d.records].map(([key, rec]) => {
    d.records.delete(key);
    return remove(rec.sandboxId, { uid: rec.uid, namespace: rec.sandboxConfig.namespace, name: rec.sandboxConfig.name });
  });
  await Promise.all(known);
  let rest: Awaited<ReturnType<NodeShutdownDeps['runtime']['listPodSandboxes']>> = [];
  try {
    rest = (await d.runtime.listPodSandboxes()).filter((s) => s.config.labels[nodeLabel] === d.nodeName);
  } catch (e) {
    result.left.push(`listing the runtime's sandboxes: ${message(e)}`);
    return;
  }
  if (rest.length === 0) return;
  const containers = await d.runtime.listContainers().catch(() => []);
  await Promise.all(
    rest.map(async (s) => {
      const running = containers.filter((c) => c.sandboxId === s.id && (c.state === 'running' || c.state === 'created'));
      await Promise.all(running.map((c) => d.runtime.stopContainer(c.id, 0).catch(() => undefined)));
      await remove(s.id, { uid: s.config.uid, namespace: s.config.namespace, name: s.config.name });
    }),
  );
}
