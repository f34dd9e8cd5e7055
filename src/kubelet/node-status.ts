// The Node object a node agent registers and keeps fresh: capacity, conditions, addresses, nodeInfo.
import type { KubeObject } from '../api/object.js';
import { timestamp } from '../client/control/events.js';
import { createHash } from 'node:crypto';

export interface NodeSpecOptions {
  name: string;
  hostIP: string;
  podCIDR: string;
  cpu: string;
  memory: string;
  maxPods: number;
  kubeletVersion: string;
  runtimeVersion: string;
  labels?: Record<string, string>;
  /** Where the node agent's HTTPS server listens (status.daemonEndpoints.kubeletEndpoint.Port). */
  kubeletPort?: number;
  taints?: { key: string; value?: string; effect: string }[];
  /** The real machine's identity and sizes (a node with a real runtime); simulated values otherwise. */
  machine?: MachineInfo;
}

export interface MachineInfo {
  kernelVersion: string;
  osImage: string;
  machineID: string;
  bootID: string;
  systemUUID: string;
  ephemeralStorage: string;
  /** Allocatable memory (capacity less the eviction threshold). */
  allocatableMemory: string;
}

/** Whether the node can run pods now (runtime and network ready), and why not. */
export interface NodeReadiness {
  ready: boolean;
  message?: string;
}

export function nodeObject(o: NodeSpecOptions): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: o.name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': o.name,
        'kubernetes.io/os': 'linux',
        ...o.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: { podCIDR: o.podCIDR, podCIDRs: [o.podCIDR], ...(o.taints?.length ? { taints: o.taints } : {}) },
  };
}

/** The addresses the node reports: its IP, and its name as host name. */
export function nodeAddresses(o: Pick<NodeSpecOptions, 'name' | 'hostIP'>): { type: string; address: string }[] {
  return [
    { type: 'InternalIP', address: o.hostIP },
    { type: 'Hostname', address: o.name },
  ];
}

function id(name: string, salt: string): string {
  return createHash('sha256').update(`${salt}:${name}`).digest('hex').slice(0, 32);
}

export function nodeStatus(o: NodeSpecOptions, now: number, readySince: number, readiness: NodeReadiness = { ready: true }): Record<string, unknown> {
  const resources = { cpu: o.cpu, 'ephemeral-storage': o.machine?.ephemeralStorage ?? '102626232Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: o.memory, pods: String(o.maxPods) };
  const allocatable = { ...resources, ...(o.machine ? { memory: o.machine.allocatableMemory } : {}) };
  const beat = timestamp(now);
  const since = timestamp(readySince);
  const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: beat, lastTransitionTime: since, reason, message });
  const uuid = id(o.name, 'system');
  return {
    addresses: nodeAddresses(o),
    allocatable,
    capacity: resources,
    conditions: [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      readiness.ready ? cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status') : cond('Ready', 'False', 'KubeletNotReady', readiness.message ?? 'container runtime is not ready'),
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: o.kubeletPort ?? 10250 } },
    nodeInfo: {
      architecture: 'amd64',
      bootID: o.machine?.bootID ?? id(o.name, 'boot'),
      containerRuntimeVersion: o.runtimeVersion,
      kernelVersion: o.machine?.kernelVersion ?? '6.1.0-a-kube',
      kubeProxyVersion: '',
      kubeletVersion: o.kubeletVersion,
      machineID: o.machine?.machineID ?? id(o.name, 'machine'),
      operatingSystem: 'linux',
      osImage: o.machine?.osImage ?? 'a-kube simulated node',
      systemUUID: o.machine?.systemUUID ?? `${uuid.slice(0, 8)}-${uuid.slice(8, 12)}-${uuid.slice(12, 16)}-${uuid.slice(16, 20)}-${uuid.slice(20, 32)}`,
    },
  };
}
