// The node's /stats/summary: samples of the runtime's container counters and the machine's, taken every
// intervalMs (and on demand when the newest is older than that), with CPU usage as a rate between the two
// newest samples of each container: (Δ CPU time) / (Δ time), in billionths of a core.
import type { ContainerStatsSummary, CpuStats, MemoryStats, PodStatsSummary, Summary } from '../../api/stats-summary.js';
import type { ContainerUsageSample } from '../runtime/types.js';
import type { MachineSample } from './machine-usage.js';

export interface StatsCollectorOptions {
  nodeName: string;
  containers: () => Promise<ContainerUsageSample[]>;
  machine?: () => Promise<MachineSample | undefined>;
  /** Milliseconds since the epoch. */
  now?: () => number;
  /** Background sampling period; also the age past which a request samples again. Default 10 s. */
  intervalMs?: number;
}

interface Pair<T> {
  older?: T;
  newer: T;
}

interface Counter {
  timestampNs: number;
  cpuUsageCoreNanoSeconds?: number;
}

function iso(ns: number): string {
  return new Date(Math.floor(ns / 1e6)).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** CPU stats from two samples; no rate when there is only one or time did not move forward. */
export function cpuStats<T extends Counter>(p: Pair<T>): CpuStats {
  const out: CpuStats = { time: iso(p.newer.timestampNs) };
  if (p.newer.cpuUsageCoreNanoSeconds !== undefined) out.usageCoreNanoSeconds = p.newer.cpuUsageCoreNanoSeconds;
  const o = p.older;
  if (o?.cpuUsageCoreNanoSeconds !== undefined && p.newer.cpuUsageCoreNanoSeconds !== undefined) {
    const dt = p.newer.timestampNs - o.timestampNs;
    const dcpu = p.newer.cpuUsageCoreNanoSeconds - o.cpuUsageCoreNanoSeconds;
    // A counter that went backwards belongs to a restarted container: no rate until the next sample.
    if (dt > 0 && dcpu >= 0) {
      out.usageNanoCores = Math.round((dcpu / dt) * 1e9);
      out.windowSeconds = Math.round(dt / 1e6) / 1e3;
    }
  }
  return out;
}

export class StatsCollector {
  readonly #o: StatsCollectorOptions;
  readonly #now: () => number;
  readonly #intervalMs: number;
  #containers = new Map<string, Pair<ContainerUsageSample>>();
  #machine: Pair<MachineSample> | undefined;
  #sampledAt = -Infinity;
  #inflight: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(o: StatsCollectorOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#intervalMs = o.intervalMs ?? 10_000;
  }

  /** Samples in the background until `signal` aborts. */
  start(signal: AbortSignal): void {
    if (this.#timer || signal.aborted) return;
    void this.sample().catch(() => undefined);
    this.#timer = setInterval(() => void this.sample().catch(() => undefined), this.#intervalMs);
    this.#timer.unref();
    signal.addEventListener('abort', () => this.stop(), { once: true });
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Takes one sample of every container and the machine (concurrent callers share it). */
  sample(): Promise<void> {
    this.#inflight ??= this.#sampleOnce().finally(() => (this.#inflight = undefined));
    return this.#inflight;
  }

  async #sampleOnce(): Promise<void> {
    const [containers, machine] = await Promise.all([this.#o.containers(), this.#o.machine?.() ?? Promise.resolve(undefined)]);
    const next = new Map<string, Pair<ContainerUsageSample>>();
    for (const c of containers) {
      const prev = this.#containers.get(c.containerId);
      next.set(c.containerId, prev && prev.newer.timestampNs < c.timestampNs ? { older: prev.newer, newer: c } : prev ?? { newer: c });
    }
    this.#containers = next;
    if (machine) this.#machine = this.#machine ? { older: this.#machine.newer, newer: machine } : { newer: machine };
    this.#sampledAt = this.#now();
  }

  /** The summary from the newest samples, sampling first when they are older than the interval. */
  async summary(): Promise<Summary> {
    if (this.#now() - this.#sampledAt >= this.#intervalMs) await this.sample();
    return this.current();
  }

  /** The summary from the samples taken so far. */
  current(): Summary {
    const pods = new Map<string, PodStatsSummary>();
    for (const pair of this.#containers.values()) {
      const c = pair.newer;
      const key = `${c.podNamespace}/${c.podName}/${c.podUid}`;
      let pod = pods.get(key);
      if (!pod) pods.set(key, (pod = { podRef: { name: c.podName, namespace: c.podNamespace, uid: c.podUid }, containers: [] }));
      const memory: MemoryStats = { time: iso(c.timestampNs) };
      if (c.memoryWorkingSetBytes !== undefined) memory.workingSetBytes = c.memoryWorkingSetBytes;
      if (c.memoryUsageBytes !== undefined) memory.usageBytes = c.memoryUsageBytes;
      const container: ContainerStatsSummary = { name: c.containerName, cpu: cpuStats(pair), memory };
      pod.containers.push(container);
    }
    for (const pod of pods.values()) {
      pod.containers.sort((a, b) => a.name.localeCompare(b.name));
      const cpus = pod.containers.map((c) => c.cpu);
      // The pod's usage is its containers' together, when every one of them has a rate.
      if (cpus.length && cpus.every((c) => c?.usageNanoCores !== undefined)) {
        pod.cpu = { time: cpus[0]?.time ?? '', usageNanoCores: cpus.reduce((s, c) => s + (c?.usageNanoCores ?? 0), 0), windowSeconds: Math.max(...cpus.map((c) => c?.windowSeconds ?? 0)) };
      }
      pod.memory = { time: pod.containers[0]?.memory?.time ?? '', workingSetBytes: pod.containers.reduce((s, c) => s + (c.memory?.workingSetBytes ?? 0), 0) };
    }
    const m = this.#machine;
    const node: Summary['node'] = { nodeName: this.#o.nodeName };
    if (m) {
      node.cpu = cpuStats(m);
      node.memory = { time: iso(m.newer.timestampNs), availableBytes: m.newer.memoryAvailableBytes, usageBytes: m.newer.memoryUsageBytes, workingSetBytes: m.newer.memoryWorkingSetBytes };
    }
    return { node, pods: [...pods.values()].sort((a, b) => `${a.podRef.namespace}/${a.podRef.name}`.localeCompare(`${b.podRef.namespace}/${b.podRef.name}`)) };
  }
}
