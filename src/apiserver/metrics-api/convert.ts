// metrics.k8s.io/v1beta1 objects from a node's /stats/summary, as metrics-server writes them: usage.cpu in
// nanocores (canonical quantity), usage.memory as the working set in bytes, the sample's time and window.
import type { KubeObject } from '../../api/object.js';
import { formatBinaryQuantity, formatDecimalQuantity } from '../../api/quantity-format.js';
import type { CpuStats, MemoryStats, Summary } from '../../api/stats-summary.js';

export const metricsGroupVersion = 'metrics.k8s.io/v1beta1';

export interface Usage {
  cpu: string;
  memory: string;
}

/** A duration as Go's time.Duration prints it for metav1.Duration: "10s", "9.5s", "1m0.5s". */
export function goDurationSeconds(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const whole = Math.floor(ms / 1000);
  const frac = ms % 1000;
  const secText = `${whole % 60}${frac ? `.${String(frac).padStart(3, '0').replace(/0+$/, '')}` : ''}s`;
  if (whole < 60) return secText;
  const minutes = Math.floor(whole / 60);
  return minutes >= 60 ? `${Math.floor(minutes / 60)}h${minutes % 60}m${secText}` : `${minutes}m${secText}`;
}

function usageOf(cpu: CpuStats | undefined, memory: MemoryStats | undefined): Usage | undefined {
  if (cpu?.usageNanoCores === undefined || memory?.workingSetBytes === undefined) return undefined;
  return { cpu: formatDecimalQuantity(cpu.usageNanoCores, -9), memory: formatBinaryQuantity(memory.workingSetBytes) };
}

/** The node's NodeMetrics; undefined until the node has measured a rate. */
export function nodeMetrics(node: Readonly<KubeObject>, summary: Summary, now: Date): KubeObject | undefined {
  const usage = usageOf(summary.node.cpu, summary.node.memory);
  if (!usage || !summary.node.cpu) return undefined;
  return {
    kind: 'NodeMetrics',
    apiVersion: metricsGroupVersion,
    metadata: { name: node.metadata.name ?? '', creationTimestamp: now.toISOString().replace(/\.\d+Z$/, 'Z'), ...(node.metadata.labels ? { labels: { ...node.metadata.labels } } : {}) },
    timestamp: summary.node.cpu.time,
    window: goDurationSeconds(summary.node.cpu.windowSeconds ?? 0),
    usage,
  };
}

/**
 * The pod's PodMetrics from its entry in the summary (matched by UID); undefined while a container lacks a
 * rate (a container just started has one sample).
 */
export function podMetrics(pod: Readonly<KubeObject>, summary: Summary, now: Date): KubeObject | undefined {
  const entry = summary.pods.find((p) => p.podRef.uid === pod.metadata.uid && p.podRef.name === pod.metadata.name && p.podRef.namespace === pod.metadata.namespace);
  if (!entry || entry.containers.length === 0) return undefined;
  const containers: { name: string; usage: Usage }[] = [];
  let window = 0;
  for (const c of entry.containers) {
    const usage = usageOf(c.cpu, c.memory);
    if (!usage) return undefined;
    window = Math.max(window, c.cpu?.windowSeconds ?? 0);
    containers.push({ name: c.name, usage });
  }
  return {
    kind: 'PodMetrics',
    apiVersion: metricsGroupVersion,
    metadata: {
      name: pod.metadata.name ?? '',
      namespace: pod.metadata.namespace ?? '',
      creationTimestamp: now.toISOString().replace(/\.\d+Z$/, 'Z'),
      ...(pod.metadata.labels ? { labels: { ...pod.metadata.labels } } : {}),
    },
    timestamp: entry.containers[0]?.cpu?.time ?? '',
    window: goDurationSeconds(window),
    containers,
  };
}
