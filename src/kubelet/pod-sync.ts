// One pod's sync on its node (the kubelet's syncPod, simplified): create the sandbox, run init containers
// then containers, restart exited ones by the restart policy with back-off, report status; on deletion stop
// everything, report the final status and remove the pod from the API (grace period 0, UID precondition).
import type { KubeObject } from '../api/object.js';
import { isConflict, isNotFound } from '../client/api-error.js';
import type { Indexer } from '../client/informer.js';
import type { Clock } from '../client/workqueue.js';
import { specOf, statusOf, str } from '../controllers/pod-util.js';
import { sameJson } from '../controllers/replicaset.js';
import { pathFor, R } from '../controllers/resources.js';
import type { ControllerClient, EventRecorder, ReconcileResult } from '../controllers/types.js';
import { buildPodStatus, specContainers, type ContainerView } from './pod-status.js';
import type { ContainerStatus, PodSandboxConfig, RuntimeService } from './runtime/types.js';

const backoffBaseMs = 10_000;
const backoffMaxMs = 300_000;

interface ContainerRecord {
  id?: string;
  restartCount: number;
  last?: ContainerStatus;
  backoffUntil?: number;
}

export interface PodRecord {
  uid: string;
  sandboxId: string;
  sandboxConfig: PodSandboxConfig;
  startTime: number;
  containers: Map<string, ContainerRecord>;
  init: Map<string, ContainerRecord>;
}

export interface PodSyncDeps {
  client: ControllerClient;
  pods: Indexer;
  runtime: RuntimeService;
  records: Map<string, PodRecord>;
  nodeName: string;
  hostIP: string;
  recorder: EventRecorder;
  clock: Clock;
}

function envOf(spec: Record<string, unknown>): { key: string; value: string }[] {
  const env = Array.isArray(spec['env']) ? (spec['env'] as Record<string, unknown>[]) : [];
  return env.filter((e) => typeof e['value'] === 'string').map((e) => ({ key: str(e['name']), value: str(e['value']) }));
}

async function startContainer(d: PodSyncDeps, pod: KubeObject, rec: PodRecord, c: { name: string; image: string; spec: Record<string, unknown> }, cr: ContainerRecord): Promise<void> {
  await d.runtime.pullImage(c.image);
  cr.id = await d.runtime.createContainer(
    rec.sandboxId,
    {
      name: c.name,
      image: c.image,
      command: (c.spec['command'] as string[] | undefined) ?? [],
      args: (c.spec['args'] as string[] | undefined) ?? [],
      env: envOf(c.spec),
      attempt: cr.restartCount,
      labels: { 'io.kubernetes.container.name': c.name, 'io.kubernetes.pod.name': pod.metadata.name ?? '', 'io.kubernetes.pod.namespace': pod.metadata.namespace ?? '', 'io.kubernetes.pod.uid': rec.uid },
      annotations: { ...(pod.metadata.annotations ?? {}) },
    },
    rec.sandboxConfig,
  );
  await d.runtime.startContainer(cr.id);
  if (cr.restartCount === 0) {
    d.recorder.event(pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
    d.recorder.event(pod, 'Normal', 'Created', `Created container ${c.name}`);
    d.recorder.event(pod, 'Normal', 'Started', `Started container ${c.name}`);
  }
}

async function teardown(d: PodSyncDeps, rec: PodRecord, graceSeconds: number): Promise<void> {
  for (const c of await d.runtime.listContainers({ sandboxId: rec.sandboxId })) if (c.state === 'running') await d.runtime.stopContainer(c.id, graceSeconds);
  await d.runtime.stopPodSandbox(rec.sandboxId);
}

async function views(d: PodSyncDeps, records: Map<string, ContainerRecord>, specs: { name: string; image: string }[], now: number): Promise<ContainerView[]> {
  return Promise.all(
    specs.map(async (s) => {
      const cr = records.get(s.name);
      const current = cr?.id ? await d.runtime.containerStatus(cr.id).catch(() => undefined) : undefined;
      const waiting = cr?.backoffUntil !== undefined && cr.backoffUntil > now;
      return {
        name: s.name,
        image: s.image,
        ...(current ? { current } : {}),
        ...(cr?.last ? { last: cr.last } : {}),
        restartCount: cr?.restartCount ?? 0,
        ...(waiting ? { waitingReason: 'CrashLoopBackOff', waitingMessage: `back-off ${Math.round(((cr?.backoffUntil ?? now) - now) / 1000)}s restarting failed container=${s.name} pod=${d.nodeName}` } : {}),
      };
    }),
  );
}

async function writeStatus(d: PodSyncDeps, pod: KubeObject, status: Record<string, unknown>): Promise<void> {
  if (sameJson(status, statusOf(pod))) return;
  try {
    // A merge patch of the whole status (as the kubelet's status manager patches): no conflicts with other writers.
    await d.client.patch(pathFor(R.pods, pod.metadata.namespace, pod.metadata.name, 'status'), { metadata: { uid: pod.metadata.uid }, status }, 'merge');
  } catch (e) {
    if (isNotFound(e)) return;
    throw e;
  }
}

export async function syncPod(key: string, d: PodSyncDeps): Promise<ReconcileResult> {
  const pod = d.pods.get(key);
  let rec = d.records.get(key);
  if (rec && (!pod || pod.metadata.uid !== rec.uid)) {
    await teardown(d, rec, 0);
    await d.runtime.removePodSandbox(rec.sandboxId);
    d.records.delete(key);
    rec = undefined;
  }
  if (!pod || str(specOf(pod)['nodeName']) !== d.nodeName) return;
  const now = d.clock.now();
  const path = pathFor(R.pods, pod.metadata.namespace, pod.metadata.name);

  if (pod.metadata.deletionTimestamp) {
    if (rec) {
      await teardown(d, rec, pod.metadata.deletionGracePeriodSeconds ?? 30);
      const final = buildPodStatus({
        pod,
        hostIP: d.hostIP,
        startTime: rec.startTime,
        sandboxReady: false,
        initContainers: await views(d, rec.init, specContainers(pod, 'initContainers'), now),
        containers: await views(d, rec.containers, specContainers(pod, 'containers'), now),
        now,
      });
      await writeStatus(d, pod, final).catch(() => undefined);
      await d.runtime.removePodSandbox(rec.sandboxId);
      d.records.delete(key);
    }
    try {
      await d.client.delete(path, { body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } } });
    } catch (e) {
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
    return;
  }

  const phase = str(statusOf(pod)['phase']);
  if (phase === 'Succeeded' || phase === 'Failed') {
    if (rec) await teardown(d, rec, 0);
    return;
  }

  if (!rec) {
    const sandboxConfig: PodSandboxConfig = {
      name: pod.metadata.name ?? '',
      namespace: pod.metadata.namespace ?? '',
      uid: pod.metadata.uid ?? '',
      attempt: 0,
      hostname: str(specOf(pod)['hostname'], pod.metadata.name ?? ''),
      labels: { ...(pod.metadata.labels ?? {}) },
      annotations: { ...(pod.metadata.annotations ?? {}) },
    };
    const sandboxId = await d.runtime.createPodSandbox(sandboxConfig);
    rec = { uid: pod.metadata.uid ?? '', sandboxId, sandboxConfig, startTime: now, containers: new Map(), init: new Map() };
    d.records.set(key, rec);
  }

  const policy = str(specOf(pod)['restartPolicy'], 'Always');
  let requeueAfterMs: number | undefined;
  // Init containers run one at a time, each to success, before any container starts.
  let initDone = true;
  for (const c of specContainers(pod, 'initContainers')) {
    const cr = rec.init.get(c.name) ?? { restartCount: 0 };
    rec.init.set(c.name, cr);
    if (!cr.id) {
      await startContainer(d, pod, rec, c, cr);
      // Simulated init work is instant: it completes as soon as it starts.
      await d.runtime.stopContainer(cr.id ?? '', 0);
    }
    const st = cr.id ? await d.runtime.containerStatus(cr.id) : undefined;
    if (!st || st.state !== 'exited' || (st.exitCode ?? 0) !== 0) {
      initDone = false;
      break;
    }
  }
  if (initDone) {
    for (const c of specContainers(pod, 'containers')) {
      const cr = rec.containers.get(c.name) ?? { restartCount: 0 };
      rec.containers.set(c.name, cr);
      if (!cr.id) {
        await startContainer(d, pod, rec, c, cr);
        continue;
      }
      const st = await d.runtime.containerStatus(cr.id);
      if (st.state !== 'exited') continue;
      const restart = policy === 'Always' || (policy === 'OnFailure' && (st.exitCode ?? 0) !== 0);
      if (!restart) continue;
      if (cr.backoffUntil === undefined) {
        cr.backoffUntil = now + Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.min(cr.restartCount, 10));
      }
      if (cr.backoffUntil > now) {
        requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, cr.backoffUntil - now);
        continue;
      }
      cr.last = st;
      cr.restartCount++;
      cr.backoffUntil = undefined;
      await d.runtime.removeContainer(st.id);
      await startContainer(d, pod, rec, c, cr);
    }
  }

  const sandbox = await d.runtime.podSandboxStatus(rec.sandboxId);
  const status = buildPodStatus({
    pod,
    hostIP: d.hostIP,
    podIP: sandbox.ip,
    startTime: rec.startTime,
    sandboxReady: sandbox.state === 'ready',
    initContainers: await views(d, rec.init, specContainers(pod, 'initContainers'), now),
    containers: await views(d, rec.containers, specContainers(pod, 'containers'), now),
    now,
  });
  await writeStatus(d, pod, status);
  return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
}
