// The container runtime on containerd, through its CRI plugin (runtime.v1 over gRPC). Container state changes
// are found by relisting every second (as the kubelet's generic PLEG does): containerd 1.6 has no CRI event stream.
import { stat } from 'node:fs/promises';
import { CriClient, CriError, isCriNotFound } from '../cri/client.js';
import type * as Cri from '../cri/types.js';
import { readCriLog } from '../logs/cri-log.js';
import type { ContainerConfig, ContainerState, ContainerStatus, ContainerUsageSample, ExecStreams, ImageInfo, LogOptions, PodSandboxConfig, PodSandboxStatus, RegistryAuth, RuntimeEvent, RuntimeHealth, RuntimeService } from './types.js';

const relistMs = 1000;

/** CRI timestamps are nanoseconds since the epoch, as decimal strings; 0 means unset. */
function ms(ns: string | undefined): number | undefined {
  if (!ns || ns === '0') return undefined;
  return Math.floor(Number(BigInt(ns) / 1_000_000n));
}

function containerState(s: Cri.ContainerState): ContainerState {
  switch (s) {
    case 'CONTAINER_CREATED':
      return 'created';
    case 'CONTAINER_RUNNING':
      return 'running';
    case 'CONTAINER_EXITED':
      return 'exited';
    case 'CONTAINER_UNKNOWN':
      return 'unknown';
    default: {
      const no: never = s;
      return no;
    }
  }
}

export function criSandboxConfig(c: PodSandboxConfig): Cri.PodSandboxConfig {
  return {
    metadata: { name: c.name, uid: c.uid, namespace: c.namespace, attempt: c.attempt },
    hostname: c.hostname,
    ...(c.logDirectory ? { log_directory: c.logDirectory } : {}),
    ...(c.dnsConfig ? { dns_config: c.dnsConfig } : {}),
    ...(c.portMappings ? { port_mappings: c.portMappings } : {}),
    labels: c.labels,
    annotations: c.annotations,
    ...(c.linux ? { linux: c.linux } : {}),
  };
}

function sandboxConfigFrom(s: Cri.PodSandboxStatus | Cri.PodSandbox): PodSandboxConfig {
  return {
    name: s.metadata?.name ?? '',
    namespace: s.metadata?.namespace ?? '',
    uid: s.metadata?.uid ?? '',
    attempt: s.metadata?.attempt ?? 0,
    hostname: '',
    labels: { ...s.labels },
    annotations: { ...s.annotations },
  };
}

/** A sandbox as the node agent sees it; `ip` is known only from PodSandboxStatus, not from a list. */
function sandboxStatusFrom(s: Cri.PodSandboxStatus | Cri.PodSandbox, ip: string): PodSandboxStatus {
  return { id: s.id, state: s.state === 'SANDBOX_READY' ? 'ready' : 'notready', ip, createdAt: ms(s.created_at) ?? 0, config: sandboxConfigFrom(s) };
}

/** Stopping or removing what the runtime no longer has is already done. */
async function goneIsDone(call: Promise<void>): Promise<void> {
  try {
    await call;
  } catch (e) {
    if (!isCriNotFound(e)) throw e;
  }
}

function statusFromCri(s: Cri.ContainerStatus, sandboxId: string): ContainerStatus {
  const started = ms(s.started_at);
  const finished = ms(s.finished_at);
  return {
    id: s.id,
    sandboxId,
    name: s.metadata?.name ?? '',
    attempt: s.metadata?.attempt ?? 0,
    state: containerState(s.state),
    createdAt: ms(s.created_at) ?? 0,
    ...(started !== undefined ? { startedAt: started } : {}),
    ...(finished !== undefined ? { finishedAt: finished } : {}),
    ...(s.state === 'CONTAINER_EXITED' ? { exitCode: s.exit_code } : {}),
    ...(s.reason ? { reason: s.reason } : {}),
    ...(s.message ? { message: s.message } : {}),
    image: s.image?.image ?? '',
    imageRef: s.image_ref,
    labels: { ...s.labels },
    annotations: { ...s.annotations },
    ...(s.log_path ? { logPath: s.log_path } : {}),
  };
}

export interface ContainerdRuntimeOptions {
  /** unix:///…/containerd.sock */
  endpoint: string;
}

export class ContainerdRuntime implements RuntimeService {
  readonly cri: CriClient;
  readonly #listeners = new Set<(e: RuntimeEvent) => void>();
  /** Last relisted state per container id, to turn the relist into events. */
  #seen = new Map<string, { state: Cri.ContainerState; sandboxId: string }>();
  #relist: NodeJS.Timeout | undefined;

  constructor(o: ContainerdRuntimeOptions) {
    // Closed by its owner, after the node agent has stopped the pods on shutdown.
    this.cri = new CriClient({ endpoint: o.endpoint });
  }

  close(): void {
    if (this.#relist) clearInterval(this.#relist);
    this.#relist = undefined;
    this.cri.close();
  }

  async version() {
    const v = await this.cri.version();
    return { runtimeName: v.runtime_name, runtimeVersion: v.runtime_version };
  }

  async status(): Promise<RuntimeHealth> {
    const st = await this.cri.status();
    const conds = st.status?.conditions ?? [];
    const runtime = conds.find((c) => c.type === 'RuntimeReady');
    const network = conds.find((c) => c.type === 'NetworkReady');
    const problems: string[] = [];
    if (!runtime?.status) problems.push(`container runtime not ready: RuntimeReady=false reason:${runtime?.reason ?? ''} message:${runtime?.message ?? ''}`);
    if (!network?.status) problems.push(`container runtime network not ready: NetworkReady=false reason:${network?.reason ?? ''} message:${network?.message ?? ''}`);
    return { runtimeReady: runtime?.status === true, networkReady: network?.status === true, ...(problems.length ? { message: problems.join(', ') } : {}) };
  }

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    const img = await this.cri.imageStatus(image);
    if (!img) return undefined;
    return { id: img.id, repoTags: img.repo_tags, repoDigests: img.repo_digests, size: Number(img.size) };
  }

  pullImage(image: string, auth?: RegistryAuth): Promise<string> {
    const a: Cri.AuthConfig | undefined = auth
      ? {
          ...(auth.username ? { username: auth.username } : {}),
          ...(auth.password ? { password: auth.password } : {}),
          ...(auth.auth ? { auth: auth.auth } : {}),
          ...(auth.serverAddress ? { server_address: auth.serverAddress } : {}),
          ...(auth.identityToken ? { identity_token: auth.identityToken } : {}),
          ...(auth.registryToken ? { registry_token: auth.registryToken } : {}),
        }
      : undefined;
    // The failure reads as the kubelet quotes it in the Failed event: Go's gRPC text of the runtime's status.
    return this.cri.pullImage(image, a).catch((e: unknown) => {
      throw e instanceof CriError ? new Error(e.rpcText, { cause: e }) : e;
    });
  }

  createPodSandbox(config: PodSandboxConfig): Promise<string> {
    return this.cri.runPodSandbox(criSandboxConfig(config), config.runtimeHandler ?? '');
  }

  stopPodSandbox(sandboxId: string): Promise<void> {
    return goneIsDone(this.cri.stopPodSandbox(sandboxId));
  }

  removePodSandbox(sandboxId: string): Promise<void> {
    return goneIsDone(this.cri.removePodSandbox(sandboxId));
  }

  async podSandboxStatus(sandboxId: string): Promise<PodSandboxStatus> {
    const res = await this.cri.podSandboxStatus(sandboxId);
    const s = res.status;
    if (!s) throw new Error(`pod sandbox ${sandboxId}: no status`);
    return sandboxStatusFrom(s, s.network?.ip ?? '');
  }

  async listPodSandboxes(): Promise<PodSandboxStatus[]> {
    const items = await this.cri.listPodSandbox();
    return items.map((s) => sandboxStatusFrom(s, ''));
  }

  createContainer(sandboxId: string, c: ContainerConfig, sandbox: PodSandboxConfig): Promise<string> {
    const config: Cri.ContainerConfig = {
      metadata: { name: c.name, attempt: c.attempt },
      image: { image: c.image },
      command: c.command,
      args: c.args,
      ...(c.workingDir ? { working_dir: c.workingDir } : {}),
      envs: c.env,
      mounts: (c.mounts ?? []).map((m) => ({ container_path: m.containerPath, host_path: m.hostPath, readonly: m.readonly ?? false })),
      labels: c.labels,
      annotations: c.annotations,
      ...(c.logPath ? { log_path: c.logPath } : {}),
      stdin: c.stdin ?? false,
      stdin_once: c.stdinOnce ?? false,
      tty: c.tty ?? false,
      ...(c.linux ? { linux: c.linux } : {}),
    };
    return this.cri.createContainer(sandboxId, config, criSandboxConfig(sandbox));
  }

  startContainer(containerId: string): Promise<void> {
    return this.cri.startContainer(containerId);
  }

  stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    return goneIsDone(this.cri.stopContainer(containerId, timeoutSeconds));
  }

  removeContainer(containerId: string): Promise<void> {
    return goneIsDone(this.cri.removeContainer(containerId));
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    const res = await this.cri.containerStatus(containerId);
    if (!res.status) throw new Error(`container ${containerId}: no status`);
    const sandboxId = this.#seen.get(containerId)?.sandboxId ?? res.status.labels['io.kubernetes.sandbox.id'] ?? '';
    return statusFromCri(res.status, sandboxId);
  }

  async listContainers(filter: { sandboxId?: string } = {}): Promise<ContainerStatus[]> {
    const items = await this.cri.listContainers(filter.sandboxId ? { pod_sandbox_id: filter.sandboxId } : undefined);
    return items.map((c) => ({
      id: c.id,
      sandboxId: c.pod_sandbox_id,
      name: c.metadata?.name ?? '',
      attempt: c.metadata?.attempt ?? 0,
      state: containerState(c.state),
      createdAt: ms(c.created_at) ?? 0,
      image: c.image?.image ?? '',
      imageRef: c.image_ref,
      labels: { ...c.labels },
      annotations: { ...c.annotations },
    }));
  }

  /** CRI ListContainerStats, with the pod each container belongs to from the labels the node agent set. */
  async containerStats(): Promise<ContainerUsageSample[]> {
    const out: ContainerUsageSample[] = [];
    const [stats, containers] = await Promise.all([this.cri.listContainerStats(), this.cri.listContainers()]);
    // Only running containers use anything (the kubelet's summary leaves ended ones out too).
    const running = new Set(containers.filter((c) => c.state === 'CONTAINER_RUNNING').map((c) => c.id));
    for (const st of stats) {
      const attrs = st.attributes;
      if (!attrs || !running.has(attrs.id)) continue;
      const labels = attrs?.labels ?? {};
      const podName = labels['io.kubernetes.pod.name'];
      const podNamespace = labels['io.kubernetes.pod.namespace'];
      if (!attrs || !podName || !podNamespace) continue;
      const counter = (v: { value: string } | null | undefined) => (v ? Number(v.value) : undefined);
      const cpu = counter(st.cpu?.usage_core_nano_seconds);
      const workingSet = counter(st.memory?.working_set_bytes);
      const usage = counter(st.memory?.usage_bytes);
      out.push({
        containerId: attrs.id,
        containerName: labels['io.kubernetes.container.name'] ?? attrs.metadata?.name ?? '',
        podName,
        podNamespace,
        podUid: labels['io.kubernetes.pod.uid'] ?? '',
        timestampNs: Number(st.cpu?.timestamp ?? st.memory?.timestamp ?? 0) || Date.now() * 1e6,
        ...(cpu !== undefined ? { cpuUsageCoreNanoSeconds: cpu } : {}),
        ...(workingSet !== undefined ? { memoryWorkingSetBytes: workingSet } : {}),
        ...(usage !== undefined ? { memoryUsageBytes: usage } : {}),
      });
    }
    return out;
  }

  async execSync(containerId: string, cmd: string[], timeoutSeconds: number) {
    const r = await this.cri.execSync(containerId, cmd, timeoutSeconds);
    return { exitCode: r.exit_code, stdout: Buffer.from(r.stdout), stderr: Buffer.from(r.stderr) };
  }

  /** Without stdin, through ExecSync; interactive sessions go through the streaming server (cri.exec). */
  async exec(containerId: string, cmd: string[], streams: ExecStreams): Promise<{ exitCode: number }> {
    const r = await this.execSync(containerId, cmd, 0);
    if (r.stdout.length) streams.stdout?.(r.stdout);
    if (r.stderr.length) streams.stderr?.(r.stderr);
    return { exitCode: r.exitCode };
  }

  /** The container's log lines (text only, CRI framing removed; partial lines joined). */
  async *logs(containerId: string, opts: LogOptions): AsyncIterable<string> {
    const st = await this.containerStatus(containerId);
    if (!st.logPath || !(await stat(st.logPath).catch(() => undefined))) return;
    const stillWriting = async () => (await this.containerStatus(containerId).catch(() => undefined))?.state === 'running';
    yield* readCriLog(st.logPath, { ...opts, stillWriting });
  }

  /** CRI ReopenContainerLog: containerd closes the container's log file and writes a new one at its path. */
  reopenContainerLog(containerId: string): Promise<void> {
    return this.cri.reopenContainerLog(containerId);
  }

  subscribe(listener: (e: RuntimeEvent) => void): () => void {
    this.#listeners.add(listener);
    if (!this.#relist) {
      this.#relist = setInterval(() => void this.#relistOnce().catch(() => undefined), relistMs);
      this.#relist.unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0 && this.#relist) {
        clearInterval(this.#relist);
        this.#relist = undefined;
      }
    };
  }

  async #relistOnce(): Promise<void> {
    const items = await this.cri.listContainers();
    const next = new Map<string, { state: Cri.ContainerState; sandboxId: string }>();
    const events: RuntimeEvent[] = [];
    for (const c of items) {
      next.set(c.id, { state: c.state, sandboxId: c.pod_sandbox_id });
      const prev = this.#seen.get(c.id);
      if (prev?.state === c.state) continue;
      if (c.state === 'CONTAINER_RUNNING') events.push({ type: 'started', sandboxId: c.pod_sandbox_id, containerId: c.id });
      else if (c.state === 'CONTAINER_EXITED' || c.state === 'CONTAINER_UNKNOWN') events.push({ type: 'exited', sandboxId: c.pod_sandbox_id, containerId: c.id });
    }
    for (const [id, prev] of this.#seen) if (!next.has(id)) events.push({ type: 'removed', sandboxId: prev.sandboxId, containerId: id });
    this.#seen = next;
    for (const e of events) for (const l of this.#listeners) l(e);
  }
}
