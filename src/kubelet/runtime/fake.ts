// The simulated runtime (kwok-style): no processes, just state. Sandboxes get IPs from the node's pod CIDR,
// containers start at once, and a container exits only when its pod asks for it through annotations
// (a-kube.io/fake-exit-after: "<seconds>", a-kube.io/fake-exit-code: "<n>"). Containers of pods owned by a Job
// (label batch.kubernetes.io/job-name) exit 0 after a short run (jobRunSeconds, 2 s by default) unless the
// annotations say otherwise, so Jobs and CronJobs complete, as kwok's default stages do.
// Resource usage is pretend but steady, so `kubectl top` and the HPA have figures on simulated nodes: each running
// container uses half of its CPU and memory requests (1m and 8Mi without requests), or what the pod's annotations
// a-kube.io/fake-cpu-usage / a-kube.io/fake-memory-usage (quantities, per container) say; CPU time accrues at that
// rate from the container's start, and the node's line is its containers' sum plus a fixed 100m and 256Mi.
import { createHash } from 'node:crypto';
import { realClock, type Clock } from '../../client/workqueue.js';
import { quantityNumber, toQuantity } from '../../api/quantity.js';
import type { MachineSample } from '../stats/machine-usage.js';
import { IpAllocator } from '../ip-allocator.js';
import type { ContainerConfig, ContainerStatus, ContainerUsageSample, ExecStreams, ImageInfo, LogOptions, PodSandboxConfig, PodSandboxStatus, RuntimeEvent, RuntimeHealth, RuntimeService } from './types.js';

export const fakeExitAfterAnnotation = 'a-kube.io/fake-exit-after';
export const fakeExitCodeAnnotation = 'a-kube.io/fake-exit-code';
export const jobNameLabel = 'batch.kubernetes.io/job-name';
export const fakeCpuUsageAnnotation = 'a-kube.io/fake-cpu-usage';
export const fakeMemoryUsageAnnotation = 'a-kube.io/fake-memory-usage';

const MiB = 1024 * 1024;
/** What the simulated node itself uses besides its containers. */
const nodeOverhead = { nanoCores: 100_000_000, memoryBytes: 256 * MiB };

function quantity(v: string | undefined): number | undefined {
  const q = v === undefined ? undefined : toQuantity(v);
  return q && q.nanos >= 0n ? quantityNumber(q) : undefined;
}

/** A simulated container's steady usage: the annotations, else half its requests, else 1m CPU and 8Mi memory. */
export function simulatedUsage(config: Pick<ContainerConfig, 'annotations' | 'requests'>): { nanoCores: number; memoryBytes: number } {
  const cpu = quantity(config.annotations[fakeCpuUsageAnnotation]) ?? (quantity(config.requests?.cpu) ?? 0.002) / 2;
  const memory = quantity(config.annotations[fakeMemoryUsageAnnotation]) ?? (quantity(config.requests?.memory) ?? 16 * MiB) / 2;
  return { nanoCores: Math.round(cpu * 1e9), memoryBytes: Math.round(memory) };
}

export class RuntimeError extends Error {
  override name = 'RuntimeError';
}

/** "nginx" → "docker.io/library/nginx:latest" (how containerd reports an image). */
export function normalizeImage(image: string): string {
  let ref = image;
  const firstSlash = ref.indexOf('/');
  const first = firstSlash < 0 ? '' : ref.slice(0, firstSlash);
  if (firstSlash < 0) ref = `docker.io/library/${ref}`;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') ref = `docker.io/${ref}`;
  const lastPart = ref.slice(ref.lastIndexOf('/') + 1);
  if (!lastPart.includes(':') && !ref.includes('@')) ref += ':latest';
  return ref;
}

export function fakeImageRef(image: string): string {
  const normalized = normalizeImage(image);
  const repo = normalized.replace(/[:@][^/]*$/, '');
  return `${repo}@sha256:${createHash('sha256').update(normalized).digest('hex')}`;
}

interface Container extends ContainerStatus {
  config: ContainerConfig;
  usage: { nanoCores: number; memoryBytes: number };
  logs: string[];
  cancelExit?: () => void;
}

export interface FakeRuntimeOptions {
  podCIDR: string;
  clock?: Clock;
  /** How long a Job pod's container runs before it exits 0 (seconds; default 2). */
  jobRunSeconds?: number;
  /** The simulated machine's memory (default 32 GiB, the simulated node's default capacity). */
  memoryBytes?: number;
}

export class FakeRuntime implements RuntimeService {
  readonly #clock: Clock;
  readonly #ips: IpAllocator;
  readonly #sandboxes = new Map<string, PodSandboxStatus>();
  readonly #containers = new Map<string, Container>();
  readonly #listeners = new Set<(e: RuntimeEvent) => void>();
  readonly #jobRunSeconds: number;
  readonly simulated = true;
  #seq = 0;
  /** CPU time of containers that have exited, so the node's counter never goes back. */
  #retiredCpuNs = 0;
  readonly #bornAt: number;
  readonly #memoryBytes: number;

  constructor(opts: FakeRuntimeOptions) {
    this.#clock = opts.clock ?? realClock;
    this.#jobRunSeconds = opts.jobRunSeconds ?? 2;
    this.#ips = new IpAllocator(opts.podCIDR);
    this.#bornAt = this.#clock.now();
    this.#memoryBytes = opts.memoryBytes ?? 32 * 1024 * MiB;
  }

  /**
   * CPU time a running container has used by `now` (its steady rate since it started), in nanoseconds. Computed
   * from the same nanosecond timestamps the samples carry (doubles, which round epoch nanoseconds to 256 ns), so
   * the rate between two samples comes out exact.
   */
  #cpuNs(c: Container, now: number): number {
    return c.startedAt === undefined ? 0 : (c.usage.nanoCores * Math.max(0, now * 1e6 - c.startedAt * 1e6)) / 1e9;
  }

  /** Counters of the running containers (CRI ListContainerStats), from their pretend steady usage. */
  async containerStats(): Promise<ContainerUsageSample[]> {
    const now = this.#clock.now();
    const out: ContainerUsageSample[] = [];
    for (const c of this.#containers.values()) {
      if (c.state !== 'running') continue;
      const sb = this.#sandboxes.get(c.sandboxId);
      if (!sb) continue;
      out.push({
        containerId: c.id,
        containerName: c.name,
        podName: sb.config.name,
        podNamespace: sb.config.namespace,
        podUid: sb.config.uid,
        timestampNs: now * 1e6,
        cpuUsageCoreNanoSeconds: Math.round(this.#cpuNs(c, now)),
        memoryWorkingSetBytes: c.usage.memoryBytes,
        memoryUsageBytes: c.usage.memoryBytes,
      });
    }
    return out;
  }

  /** The simulated machine: its containers' usage plus a fixed overhead, out of the node's memory. */
  async machineSample(): Promise<MachineSample> {
    const memoryTotalBytes = this.#memoryBytes;
    const now = this.#clock.now();
    let cpuNs = this.#retiredCpuNs + (nodeOverhead.nanoCores * Math.max(0, now * 1e6 - this.#bornAt * 1e6)) / 1e9;
    let memory = nodeOverhead.memoryBytes;
    for (const c of this.#containers.values()) {
      if (c.state !== 'running') continue;
      cpuNs += this.#cpuNs(c, now);
      memory += c.usage.memoryBytes;
    }
    const used = Math.min(memory, memoryTotalBytes);
    return { timestampNs: now * 1e6, cpuUsageCoreNanoSeconds: Math.round(cpuNs), memoryTotalBytes, memoryAvailableBytes: memoryTotalBytes - used, memoryUsageBytes: used, memoryWorkingSetBytes: used };
  }

  #id(): string {
    return createHash('sha256').update(`${process.pid}-${++this.#seq}-${Math.random()}`).digest('hex');
  }

  #emit(e: RuntimeEvent): void {
    for (const l of this.#listeners) l(e);
  }

  async version() {
    return { runtimeName: 'fake', runtimeVersion: '0.1.0' };
  }

  async status(): Promise<RuntimeHealth> {
    return { runtimeReady: true, networkReady: true };
  }

  async imageStatus(image: string): Promise<ImageInfo> {
    // Every image is "present": the simulated node never pulls.
    return { id: fakeImageRef(image).replace(/^.*@/, ''), repoTags: [normalizeImage(image)], repoDigests: [fakeImageRef(image)], size: 0 };
  }

  async pullImage(image: string): Promise<string> {
    return fakeImageRef(image);
  }

  async execSync(containerId: string, cmd: string[]): Promise<{ exitCode: number; stdout: Buffer; stderr: Buffer }> {
    const out: Buffer[] = [];
    const { exitCode } = await this.exec(containerId, cmd, { stdout: (b) => out.push(b) });
    return { exitCode, stdout: Buffer.concat(out), stderr: Buffer.alloc(0) };
  }

  async createPodSandbox(config: PodSandboxConfig): Promise<string> {
    // the handlers a default containerd configuration has
    const handler = config.runtimeHandler ?? '';
    if (handler !== '' && handler !== 'runc') throw new RuntimeError(`failed to get sandbox runtime: no runtime for ${JSON.stringify(handler)} is configured`);
    const ip = this.#ips.allocate(config.uid);
    if (!ip) throw new RuntimeError('failed to allocate a pod IP: the node\'s pod CIDR is exhausted');
    const id = this.#id();
    this.#sandboxes.set(id, { id, state: 'ready', ip, createdAt: this.#clock.now(), config });
    return id;
  }

  async stopPodSandbox(sandboxId: string): Promise<void> {
    const sb = this.#sandboxes.get(sandboxId);
    if (!sb) return;
    for (const c of this.#containers.values()) if (c.sandboxId === sandboxId && c.state === 'running') this.#exit(c, 137, 'Error');
    sb.state = 'notready';
  }

  async removePodSandbox(sandboxId: string): Promise<void> {
    const sb = this.#sandboxes.get(sandboxId);
    if (!sb) return;
    for (const c of [...this.#containers.values()]) if (c.sandboxId === sandboxId) await this.removeContainer(c.id);
    this.#ips.release(sb.config.uid);
    this.#sandboxes.delete(sandboxId);
  }

  async podSandboxStatus(sandboxId: string): Promise<PodSandboxStatus> {
    const sb = this.#sandboxes.get(sandboxId);
    if (!sb) throw new RuntimeError(`pod sandbox ${sandboxId} not found`);
    return { ...sb };
  }

  async listPodSandboxes(): Promise<PodSandboxStatus[]> {
    return [...this.#sandboxes.values()].map((s) => ({ ...s }));
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    if (!this.#sandboxes.has(sandboxId)) throw new RuntimeError(`pod sandbox ${sandboxId} not found`);
    const id = this.#id();
    this.#containers.set(id, {
      id,
      sandboxId,
      name: config.name,
      attempt: config.attempt,
      state: 'created',
      createdAt: this.#clock.now(),
      image: normalizeImage(config.image),
      imageRef: fakeImageRef(config.image),
      config,
      usage: simulatedUsage(config),
      logs: [],
    });
    return id;
  }

  async startContainer(containerId: string): Promise<void> {
    const c = this.#get(containerId);
    if (c.state !== 'created') throw new RuntimeError(`container ${containerId} is ${c.state}, not created`);
    c.state = 'running';
    c.startedAt = this.#clock.now();
    c.logs.push(`${new Date(c.startedAt).toISOString()} a-kube fake runtime: started ${c.name} (${c.image})`);
    const sandbox = this.#sandboxes.get(c.sandboxId);
    const jobPod = sandbox?.config.labels[jobNameLabel] !== undefined;
    const annotated = c.config.annotations[fakeExitAfterAnnotation];
    const after = annotated !== undefined ? Number(annotated) : jobPod ? this.#jobRunSeconds : NaN;
    if (Number.isFinite(after) && after >= 0) {
      const code = Number(c.config.annotations[fakeExitCodeAnnotation] ?? '0') || 0;
      c.cancelExit = this.#clock.setTimer(() => this.#exit(c, code, code === 0 ? 'Completed' : 'Error'), after * 1000);
    }
    this.#emit({ type: 'started', sandboxId: c.sandboxId, containerId });
  }

  #exit(c: Container, exitCode: number, reason: string): void {
    if (c.state !== 'running') return;
    c.cancelExit?.();
    this.#retiredCpuNs += this.#cpuNs(c, this.#clock.now());
    c.state = 'exited';
    c.exitCode = exitCode;
    c.reason = reason;
    c.finishedAt = this.#clock.now();
    this.#emit({ type: 'exited', sandboxId: c.sandboxId, containerId: c.id });
  }

  async stopContainer(containerId: string): Promise<void> {
    const c = this.#containers.get(containerId);
    // A simulated process stops as soon as it is asked (SIGTERM honoured, exit 0).
    if (c) this.#exit(c, 0, 'Completed');
  }

  async removeContainer(containerId: string): Promise<void> {
    const c = this.#containers.get(containerId);
    if (!c) return;
    c.cancelExit?.();
    this.#containers.delete(containerId);
    this.#emit({ type: 'removed', sandboxId: c.sandboxId, containerId });
  }

  #get(id: string): Container {
    const c = this.#containers.get(id);
    if (!c) throw new RuntimeError(`container ${id} not found`);
    return c;
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    const { config: _config, usage: _usage, logs: _logs, cancelExit: _cancel, ...status } = this.#get(containerId);
    return status;
  }

  async listContainers(filter: { sandboxId?: string } = {}): Promise<ContainerStatus[]> {
    const out: ContainerStatus[] = [];
    for (const c of this.#containers.values()) {
      if (filter.sandboxId && c.sandboxId !== filter.sandboxId) continue;
      const { config: _config, usage: _usage, logs: _logs, cancelExit: _cancel, ...status } = c;
      out.push(status);
    }
    return out;
  }

  async exec(containerId: string, cmd: string[], streams: ExecStreams): Promise<{ exitCode: number }> {
    const c = this.#get(containerId);
    if (c.state !== 'running') throw new RuntimeError(`container ${containerId} is not running`);
    // A few commands are simulated so `kubectl exec` shows something sensible.
    if (cmd[0] === 'echo') streams.stdout?.(Buffer.from(`${cmd.slice(1).join(' ')}\n`));
    else if (cmd[0] === 'hostname') streams.stdout?.(Buffer.from(`${this.#sandboxes.get(c.sandboxId)?.config.hostname ?? ''}\n`));
    else if (cmd[0] === 'true') return { exitCode: 0 };
    else if (cmd[0] === 'false') return { exitCode: 1 };
    return { exitCode: 0 };
  }

  async *logs(containerId: string, opts: LogOptions): AsyncIterable<string> {
    const c = this.#get(containerId);
    const lines = opts.tailLines !== undefined ? c.logs.slice(-opts.tailLines) : c.logs;
    for (const l of lines) yield `${l}\n`;
  }

  subscribe(listener: (e: RuntimeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
