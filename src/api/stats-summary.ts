// The node agent's /stats/summary answer: the part of the kubelet's Summary API (stats/v1alpha1) that metrics
// are built from. Shared by the node agent (which serves it) and the API server (which reads it for
// metrics.k8s.io), so it sits below both.

export interface CpuStats {
  /** RFC 3339 time of the sample. */
  time: string;
  /** Mean usage over the window between this sample and the one before, in billionths of a core. */
  usageNanoCores?: number;
  /** Cumulative CPU time in nanoseconds. */
  usageCoreNanoSeconds?: number;
  /** a-kube's addition: the seconds between the two samples usageNanoCores was measured over. */
  windowSeconds?: number;
}

export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes?: number;
  /** Usage minus memory the kernel can take back at once (inactive file pages): what metrics report. */
  workingSetBytes?: number;
  rssBytes?: number;
}

export interface ContainerStatsSummary {
  name: string;
  startTime?: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface PodStatsSummary {
  podRef: { name: string; namespace: string; uid: string };
  startTime?: string;
  containers: ContainerStatsSummary[];
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface NodeStatsSummary {
  nodeName: string;
  startTime?: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
}

export interface Summary {
  node: NodeStatsSummary;
  pods: PodStatsSummary[];
}
