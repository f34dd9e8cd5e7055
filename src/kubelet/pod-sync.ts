// One pod's sync on its node (the kubelet's syncPod, simplified): set up volumes, create the sandbox, run init
// containers then containers, restart exited ones by the restart policy with back-off, report status; on
// deletion stop everything within the grace period, report the final status and remove the pod from the API
// (grace period 0, UID precondition).
import { rmSync } from 'node:fs';
import type { KubeObject } from '../api/object.js';
import { isConflict, isNotFound } from '../client/api-error.js';
import type { Indexer } from '../client/informer.js';
import type { Clock } from '../client/workqueue.js';
import { arr, specOf, statusOf, str } from '../api/pod-util.js';
import { deepEqual } from '../api/deep-equal.js';
import { pathFor, R } from '../client/control/resources.js';
import type { ControllerClient, EventRecorder, ReconcileResult } from '../client/control/types.js';
import type { EnvContext } from './container-config.js';
import { startContainer, StartError, type ContainerSpecView, type StartContext } from './container-start.js';
import type { DnsConfig, PortMapping } from './cri/types.js';
import { podLogDir } from './log-paths.js';
import { buildPodStatus, specContainers, type ContainerView } from './pod-status.js';
import type { ContainerStatus, PodSandboxConfig, RuntimeService } from './runtime/types.js';
import { VolumeError, type VolumeManager } from './volumes/manager.js';
import { probeContainer, type ContainerProbes } from './prober.js';
import { writeHostsFile } from './hosts-file.js';

/** Sandbox label naming the node that made it: clean-up and adoption touch only these. */
export const nodeLabel = 'a-kube.io/node';

const backoffBaseMs = 10_000;
const backoffMaxMs = 300_000;
/** How often a running pod on a real node is synced anyway (configMap/secret volume contents, tokens). */
const resyncMs = 60_000;

export interface ContainerRecord {
  id?: string;
  restartCount: number;
  last?: ContainerStatus;
  backoffUntil?: number;
  /** The last start failure (ErrImagePull, CreateContainerConfigError, …), shown as the waiting reason. */
  startError?: { reason: string; message: string };
  /** Probe state of the current container instance. */
  probes?: ContainerProbes;
  /** The last probe verdicts, for the status. */
  ready?: boolean;
  started?: boolean;
}

export interface PodRecord {
  uid: string;
  sandboxId: string;
  sandboxConfig: PodSandboxConfig;
  startTime: number;
  containers: Map<string, ContainerRecord>;
  init: Map<string, ContainerRecord>;
  /** Ephemeral (debug) containers: started once, never restarted. */
  ephemeral?: Map<string, ContainerRecord>;
}

/** What a node with a real runtime adds: its data dir, volumes and the pods' DNS. */
export interface RealNodeContext {
  dataDir: string;
  volumes: VolumeManager;
  nodeAllocatable: { cpu: number; memory: number };
  dns?: DnsConfig;
  /** The pod's resolver by its dnsPolicy and dnsConfig (cluster DNS); takes precedence over `dns`. */
  podDns?: (pod: KubeObject) => DnsConfig;
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
  /** containerID scheme (containerd://…); "fake" when absent. */
  runtimeName?: string;
  real?: RealNodeContext;
}

/** The CRI handler the pod's RuntimeClass names ("" without one), read as the node agent reads it: from the API. */
async function runtimeHandlerOf(d: Pick<PodSyncDeps, 'client'>, pod: KubeObject): Promise<string> {
  const name = str(specOf(pod)['runtimeClassName']);
  if (name === '') return '';
  try {
    const rc = await d.client.get<KubeObject>(pathFor(R.runtimeclasses, undefined, name));
    return str(rc['handler']);
  } catch (e) {
    if (isNotFound(e)) throw new Error(`RuntimeClass ${JSON.stringify(name)} not found`);
    throw e;
  }
}

/** Whether any container of the pod (init, regular, ephemeral) is privileged: then its sandbox must be too. */
function hasPrivilegedContainer(spec: Record<string, unknown>): boolean {
  return ['initContainers', 'containers', 'ephemeralContainers'].some((list) => arr(spec[list]).some((c) => (c['securityContext'] as { privileged?: unknown } | undefined)?.privileged === true));
}

export function podSandboxConfig(pod: KubeObject, d: Pick<PodSyncDeps, 'real'>): PodSandboxConfig {
  const spec = specOf(pod);
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const uid = pod.metadata.uid ?? '';
  const ports: PortMapping[] = [];
  for (const c of arr(spec['containers']))
    for (const p of arr(c['ports']))
      if (typeof p['hostPort'] === 'number' && p['hostPort'] > 0) ports.push({ protocol: (str(p['protocol'], 'TCP') as PortMapping['protocol']) ?? 'TCP', container_port: Number(p['containerPort']), host_port: p['hostPort'], ...(p['hostIP'] ? { host_ip: str(p['hostIP']) } : {}) });
  const hostNetwork = spec['hostNetwork'] === true;
  const sc = (spec['securityContext'] ?? {}) as Record<string, unknown>;
  return {
    name,
    namespace: ns,
    uid,
    attempt: 0,
    hostname: str(spec['hostname'], name.slice(0, 63)),
    labels: { ...(pod.metadata.labels ?? {}), 'io.kubernetes.pod.name': name, 'io.kubernetes.pod.namespace': ns, 'io.kubernetes.pod.uid': uid, [nodeLabel]: str(spec['nodeName']) },
    annotations: { ...(pod.metadata.annotations ?? {}) },
    ...(d.real ? { logDirectory: podLogDir(d.real.dataDir, ns, name, uid) } : {}),
    ...(d.real?.podDns ? { dnsConfig: d.real.podDns(pod) } : d.real?.dns && !hostNetwork ? { dnsConfig: d.real.dns } : {}),
    ...(ports.length ? { portMappings: ports } : {}),
    ...(d.real
      ? {
          linux: {
            security_context: {
              namespace_options: { network: hostNetwork ? 'NODE' : 'POD', pid: spec['hostPID'] === true ? 'NODE' : 'CONTAINER', ipc: spec['hostIPC'] === true ? 'NODE' : 'POD' },
              // containerd refuses a privileged container in a sandbox that is not ("no privileged container allowed in sandbox")
              ...(hasPrivilegedContainer(spec) ? { privileged: true } : {}),
              ...(typeof sc['runAsUser'] === 'number' ? { run_as_user: { value: String(sc['runAsUser']) } } : {}),
              ...(typeof sc['runAsGroup'] === 'number' ? { run_as_group: { value: String(sc['runAsGroup']) } } : {}),
            },
            ...(sc['sysctls'] ? { sysctls: Object.fromEntries(arr(sc['sysctls']).map((s) => [str(s['name']), str(s['value'])])) } : {}),
          },
        }
      : {}),
  };
}

async function containerStopGrace(d: PodSyncDeps, pod: KubeObject | undefined, c: ContainerStatus, graceSeconds: number): Promise<void> {
  if (pod) d.recorder.event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
  const spec = pod ? arr(specOf(pod)['containers']).find((s) => s['name'] === c.name) : undefined;
  const preStop = (spec?.['lifecycle'] as Record<string, unknown> | undefined)?.['preStop'] as Record<string, unknown> | undefined;
  const started = d.clock.now();
  const cmd = (preStop?.['exec'] as { command?: unknown } | undefined)?.command;
  if (Array.isArray(cmd) && cmd.length && !d.runtime.simulated) {
    await d.runtime.execSync(c.id, cmd.map(String), Math.max(1, graceSeconds)).catch(() => undefined);
  }
  const left = Math.max(0, graceSeconds - Math.floor((d.clock.now() - started) / 1000));
  await d.runtime.stopContainer(c.id, left);
}

/** Stops the pod's running containers within graceSeconds each: preStop hook, the stop signal, SIGKILL at the end. */
export async function stopPodContainers(d: PodSyncDeps, rec: PodRecord, graceSeconds: number, pod?: KubeObject): Promise<void> {
  const running = (await d.runtime.listContainers({ sandboxId: rec.sandboxId })).filter((c) => c.state === 'running' || c.state === 'created');
  await Promise.all(running.map((c) => containerStopGrace(d, pod, c, graceSeconds)));
}

async function teardown(d: PodSyncDeps, rec: PodRecord, graceSeconds: number, pod?: KubeObject): Promise<void> {
  await stopPodContainers(d, rec, graceSeconds, pod);
  await d.runtime.stopPodSandbox(rec.sandboxId);
}

/** The pod's volumes and log directory, once its sandbox is gone. */
export function removePodFiles(real: RealNodeContext | undefined, pod: { uid: string; namespace: string; name: string }): void {
  if (!real) return;
  real.volumes.tearDown(pod.uid);
  rmSync(podLogDir(real.dataDir, pod.namespace, pod.name, pod.uid), { recursive: true, force: true });
}

function filesOf(rec: PodRecord): { uid: string; namespace: string; name: string } {
  return { uid: rec.uid, namespace: rec.sandboxConfig.namespace, name: rec.sandboxConfig.name };
}

async function views(d: PodSyncDeps, records: Map<string, ContainerRecord>, specs: { name: string; image: string }[], now: number): Promise<ContainerView[]> {
  return Promise.all(
    specs.map(async (s) => {
      const cr = records.get(s.name);
      const current = cr?.id ? await d.runtime.containerStatus(cr.id).catch(() => undefined) : undefined;
      const waiting = cr?.backoffUntil !== undefined && cr.backoffUntil > now;
      const secs = Math.round(((cr?.backoffUntil ?? now) - now) / 1000);
      let waitingReason: string | undefined;
      let waitingMessage: string | undefined;
      if (cr?.startError) {
        waitingReason = waiting && cr.startError.reason === 'ErrImagePull' ? 'ImagePullBackOff' : cr.startError.reason;
        waitingMessage = waiting && cr.startError.reason === 'ErrImagePull' ? `Back-off pulling image "${s.image}"` : cr.startError.message;
      } else if (waiting) {
        waitingReason = 'CrashLoopBackOff';
        waitingMessage = `back-off ${secs}s restarting failed container=${s.name} pod=${d.nodeName}`;
      }
      return {
        name: s.name,
        image: s.image,
        ...(current ? { current } : {}),
        ...(cr?.last ? { last: cr.last } : {}),
        restartCount: cr?.restartCount ?? 0,
        ...(cr?.id && cr.probes?.containerId === cr.id && cr.ready !== undefined ? { ready: cr.ready } : {}),
        ...(cr?.id && cr.probes?.containerId === cr.id && cr.started !== undefined ? { started: cr.started } : {}),
        ...(waitingReason ? { waitingReason } : {}),
        ...(waitingMessage ? { waitingMessage } : {}),
      };
    }),
  );
}

async function writeStatus(d: PodSyncDeps, pod: KubeObject, status: Record<string, unknown>): Promise<void> {
  if (deepEqual(status, statusOf(pod))) return;
  try {
    // A merge patch of the whole status (as the kubelet's status manager patches): no conflicts with other writers.
    await d.client.patch(pathFor(R.pods, pod.metadata.namespace, pod.metadata.name, 'status'), { metadata: { uid: pod.metadata.uid }, status }, 'merge');
  } catch (e) {
    if (isNotFound(e)) return;
    throw e;
  }
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

function backoffFor(restartCount: number): number {
  return Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.min(restartCount, 10));
}

async function envContext(d: PodSyncDeps, pod: KubeObject, podIP: string): Promise<EnvContext> {
  const ns = pod.metadata.namespace ?? '';
  const [services, master] = await Promise.all([
    specOf(pod)['enableServiceLinks'] === false ? Promise.resolve({ items: [] as KubeObject[] }) : d.client.list<KubeObject>(pathFor(R.services, ns)).catch(() => ({ items: [] as KubeObject[] })),
    d.client.get<KubeObject>(pathFor(R.services, 'default', 'kubernetes')).catch(() => undefined),
  ]);
  return { client: d.client, pod, podIP, nodeAllocatable: d.real?.nodeAllocatable ?? { cpu: 1, memory: 1 }, services: services.items, ...(master ? { masterService: master } : {}) };
}

/**
 * An exited container whose back-off has passed: remembered as the last state and started again. The exited
 * container stays in the runtime (its log is what `logs --previous` reads); the one before it is removed, so a
 * container keeps at most one dead instance, as the kubelet's container garbage collection keeps.
 */
async function restartExited(d: PodSyncDeps, ctx: StartContext, c: ContainerSpecView, cr: ContainerRecord, exited: ContainerStatus, now: number): Promise<void> {
  const older = cr.last;
  cr.last = exited;
  cr.restartCount++;
  cr.backoffUntil = undefined;
  if (older && older.id !== exited.id) await d.runtime.removeContainer(older.id);
  cr.id = undefined;
  await tryStart(d, ctx, c, cr, now);
}

/** Starts a container, remembering a failure for the status and retrying after a back-off. */
async function tryStart(d: PodSyncDeps, ctx: StartContext, c: ContainerSpecView, cr: ContainerRecord, now: number): Promise<void> {
  try {
    cr.id = await startContainer(ctx, c, cr.restartCount);
    cr.startError = undefined;
    cr.backoffUntil = undefined;
  } catch (e) {
    if (!(e instanceof StartError)) throw e;
    cr.startError = { reason: e.reason, message: e.message };
    cr.backoffUntil = now + backoffFor(cr.restartCount);
    if (e.reason === 'ErrImagePull') ctx.recorder.event(ctx.pod, 'Normal', 'BackOff', `Back-off pulling image "${c.image}"`);
  }
}

export async function syncPod(key: string, d: PodSyncDeps): Promise<ReconcileResult> {
  const pod = d.pods.get(key);
  let rec = d.records.get(key);
  if (rec && (!pod || pod.metadata.uid !== rec.uid)) {
    await teardown(d, rec, 0);
    await d.runtime.removePodSandbox(rec.sandboxId);
    removePodFiles(d.real, filesOf(rec));
    d.records.delete(key);
    rec = undefined;
  }
  if (!pod || str(specOf(pod)['nodeName']) !== d.nodeName) return;
  const now = d.clock.now();
  const path = pathFor(R.pods, pod.metadata.namespace, pod.metadata.name);
  const runtimeName = d.runtimeName ?? 'fake';

  if (pod.metadata.deletionTimestamp) {
    if (rec) {
      await teardown(d, rec, pod.metadata.deletionGracePeriodSeconds ?? 30, pod);
      const final = buildPodStatus({
        pod,
        hostIP: d.hostIP,
        startTime: rec.startTime,
        sandboxReady: false,
        initContainers: await views(d, rec.init, specContainers(pod, 'initContainers'), now),
        containers: await views(d, rec.containers, specContainers(pod, 'containers'), now),
        now,
        runtimeName,
      });
      await writeStatus(d, pod, final).catch(() => undefined);
      await d.runtime.removePodSandbox(rec.sandboxId);
      removePodFiles(d.real, filesOf(rec));
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

  // Volumes first: a container never starts without them (FailedMount, retried).
  let volumes = new Map<string, string>();
  if (d.real) {
    try {
      volumes = await d.real.volumes.setUp(pod, str(statusOf(pod)['podIP']));
    } catch (e) {
      if (!(e instanceof VolumeError)) throw e;
      d.recorder.event(pod, 'Warning', 'FailedMount', e.message);
      return { requeueAfterMs: 5000 };
    }
  }

  if (!rec) {
    const sandboxConfig = podSandboxConfig(pod, d);
    let sandboxId: string;
    try {
      const handler = await runtimeHandlerOf(d, pod);
      if (handler !== '') sandboxConfig.runtimeHandler = handler;
      sandboxId = await d.runtime.createPodSandbox(sandboxConfig);
    } catch (e) {
      // a missing RuntimeClass, a handler the runtime lacks, no pod address: reported on the pod, retried
      d.recorder.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${e instanceof Error ? e.message : String(e)}`);
      return { requeueAfterMs: 10_000 };
    }
    rec = { uid: pod.metadata.uid ?? '', sandboxId, sandboxConfig, startTime: now, containers: new Map(), init: new Map() };
    d.records.set(key, rec);
  }
  const sandbox = await d.runtime.podSandboxStatus(rec.sandboxId);
  const ctx: StartContext = {
    client: d.client,
    runtime: d.runtime,
    recorder: d.recorder,
    pod,
    sandboxId: rec.sandboxId,
    sandboxConfig: rec.sandboxConfig,
    now: () => d.clock.now(),
    ...(d.real ? { real: { volumes, env: once(() => envContext(d, pod, sandbox.ip)), podIP: sandbox.ip, ...(specOf(pod)['hostNetwork'] === true ? {} : { hostsFile: writeHostsFile(d.real.dataDir, pod, sandbox.ip) }) } } : {}),
  };

  const policy = str(specOf(pod)['restartPolicy'], 'Always');
  let requeueAfterMs: number | undefined;
  const wake = (ms: number) => (requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, Math.max(0, ms)));
  // Init containers run one at a time, each to success, before any container starts.
  let initDone = true;
  for (const c of specContainers(pod, 'initContainers')) {
    const cr = rec.init.get(c.name) ?? { restartCount: 0 };
    rec.init.set(c.name, cr);
    if (!cr.id) {
      if (cr.backoffUntil !== undefined && cr.backoffUntil > now) {
        wake(cr.backoffUntil - now);
        initDone = false;
        break;
      }
      await tryStart(d, ctx, c, cr, now);
      // Simulated init work is instant: it completes as soon as it starts.
      if (cr.id && d.runtime.simulated) await d.runtime.stopContainer(cr.id, 0);
    }
    const st = cr.id ? await d.runtime.containerStatus(cr.id).catch(() => undefined) : undefined;
    if (st?.state === 'exited' && (st.exitCode ?? 0) === 0) continue;
    initDone = false;
    if (st?.state === 'exited' && policy !== 'Never') {
      // A failed init container is retried with back-off (restartPolicy Always/OnFailure).
      if (cr.backoffUntil === undefined) cr.backoffUntil = now + backoffFor(cr.restartCount);
      if (cr.backoffUntil > now) wake(cr.backoffUntil - now);
      else await restartExited(d, ctx, c, cr, st, now);
    }
    break;
  }
  if (initDone) {
    for (const c of specContainers(pod, 'containers')) {
      const cr = rec.containers.get(c.name) ?? { restartCount: 0 };
      rec.containers.set(c.name, cr);
      if (!cr.id) {
        if (cr.backoffUntil !== undefined && cr.backoffUntil > now) {
          wake(cr.backoffUntil - now);
          continue;
        }
        await tryStart(d, ctx, c, cr, now);
        if (cr.backoffUntil !== undefined) wake(cr.backoffUntil - now);
        continue;
      }
      const st = await d.runtime.containerStatus(cr.id).catch(() => undefined);
      if (!st) {
        cr.id = undefined;
        continue;
      }
      if (st.state !== 'exited') continue;
      const restart = policy === 'Always' || (policy === 'OnFailure' && (st.exitCode ?? 0) !== 0);
      if (!restart) continue;
      if (cr.backoffUntil === undefined) {
        cr.backoffUntil = now + backoffFor(cr.restartCount);
        d.recorder.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`);
      }
      if (cr.backoffUntil > now) {
        wake(cr.backoffUntil - now);
        continue;
      }
      await restartExited(d, ctx, c, cr, st, now);
      if (cr.backoffUntil !== undefined) wake(cr.backoffUntil - now);
    }
  }

  if (initDone && !d.runtime.simulated) {
    for (const c of specContainers(pod, 'containers')) {
      const cr = rec.containers.get(c.name);
      if (!cr?.id || !(c.spec['livenessProbe'] || c.spec['readinessProbe'] || c.spec['startupProbe'])) continue;
      const st = await d.runtime.containerStatus(cr.id).catch(() => undefined);
      if (st?.state !== 'running') continue;
      if (cr.probes?.containerId !== cr.id) cr.probes = { containerId: cr.id, startedAt: st.startedAt ?? now, tracks: {} };
      const out = await probeContainer(cr.probes, { runtime: d.runtime, containerId: cr.id, podIP: sandbox.ip, container: c.spec }, d.clock.now());
      cr.ready = out.ready;
      cr.started = out.started;
      for (const msg of out.unhealthy) d.recorder.event(pod, 'Warning', 'Unhealthy', msg);
      if (out.nextInMs !== undefined) wake(out.nextInMs);
      if (out.restart) {
        d.recorder.event(pod, 'Normal', 'Killing', `Container ${c.name} failed ${out.restart.kind} probe, will be restarted`);
        await d.runtime.stopContainer(cr.id, Number(specOf(pod)['terminationGracePeriodSeconds'] ?? 30));
        cr.ready = false;
        wake(0);
      }
    }
  }

  // Ephemeral containers (kubectl debug): started once each, never restarted, in the target's PID namespace.
  const ephemeralSpecs = specContainers(pod, 'ephemeralContainers');
  if (ephemeralSpecs.length && !d.runtime.simulated) {
    rec.ephemeral ??= new Map();
    for (const c of ephemeralSpecs) {
      if (rec.ephemeral.has(c.name)) continue;
      const cr: ContainerRecord = { restartCount: 0 };
      rec.ephemeral.set(c.name, cr);
      const target = str(c.spec['targetContainerName']);
      const targetId = target ? rec.containers.get(target)?.id : undefined;
      try {
        cr.id = await startContainer(ctx, c, 0, targetId ? { pidTargetId: targetId } : {});
      } catch (e) {
        if (!(e instanceof StartError)) throw e;
        cr.startError = { reason: e.reason, message: e.message };
      }
    }
  }

  const status = buildPodStatus({
    pod,
    hostIP: d.hostIP,
    podIP: sandbox.ip,
    startTime: rec.startTime,
    sandboxReady: sandbox.state === 'ready',
    initContainers: await views(d, rec.init, specContainers(pod, 'initContainers'), now),
    containers: await views(d, rec.containers, specContainers(pod, 'containers'), now),
    ...(rec.ephemeral?.size ? { ephemeralContainers: await views(d, rec.ephemeral, ephemeralSpecs, now) } : {}),
    now,
    runtimeName,
  });
  await writeStatus(d, pod, status);
  if (d.real) {
    wake(resyncMs);
    const refresh = d.real.volumes.msUntilRefresh(rec.uid);
    if (refresh !== undefined) wake(refresh + 10);
  }
  return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
}
