// The container runtime as the node agent sees it, shaped like CRI's RuntimeService and ImageService so
// a containerd (CRI over gRPC) implementation can sit behind the same interface as the simulated one.
// Linux specifics (resources, security context, DNS) use CRI's own message shapes.
import type { DnsConfig, LinuxContainerConfig, LinuxPodSandboxConfig, PortMapping } from '../cri/types.js';
import type { MachineSample } from '../stats/machine-usage.js';

export interface PodSandboxConfig {
  name: string;
  namespace: string;
  uid: string;
  attempt: number;
  hostname: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  logDirectory?: string;
  dnsConfig?: DnsConfig;
  portMappings?: PortMapping[];
  linux?: LinuxPodSandboxConfig;
  /** CRI runtime_handler: which of the runtime's configured handlers runs the pod ("" = its default, runc). */
  runtimeHandler?: string;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface ContainerConfig {
  name: string;
  image: string;
  command: string[];
  args: string[];
  env: KeyValue[];
  workingDir?: string;
  /** How many times this container has been created before in this pod (CRI metadata.attempt). */
  attempt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  tty?: boolean;
  stdin?: boolean;
  stdinOnce?: boolean;
  mounts?: Mount[];
  /** Relative to the sandbox's logDirectory. */
  logPath?: string;
  linux?: LinuxContainerConfig;
  /** The container's resource requests as the spec writes them; only the simulated runtime reads them (pretend usage). */
  requests?: { cpu?: string; memory?: string };
}

export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
}

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

export interface ContainerStatus {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  state: ContainerState;
  /** Epoch milliseconds. */
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  reason?: string;
  message?: string;
  image: string;
  imageRef: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  logPath?: string;
}

export interface PodSandboxStatus {
  id: string;
  state: 'ready' | 'notready';
  ip: string;
  createdAt: number;
  config: PodSandboxConfig;
}

export interface ExecStreams {
  stdin?: AsyncIterable<Buffer>;
  stdout?: (chunk: Buffer) => void;
  stderr?: (chunk: Buffer) => void;
}

export interface LogOptions {
  follow?: boolean;
  tailLines?: number;
  signal?: AbortSignal;
}

/** RuntimeReady/NetworkReady as CRI Status reports them; message says why not. */
export interface RuntimeHealth {
  runtimeReady: boolean;
  networkReady: boolean;
  message?: string;
}

export interface ImageInfo {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
}

export interface RegistryAuth {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}

/** One container's resource counters at one moment (CRI ListContainerStats). */
export interface ContainerUsageSample {
  containerId: string;
  containerName: string;
  podName: string;
  podNamespace: string;
  podUid: string;
  /** When the runtime read the counters, in nanoseconds since the epoch. */
  timestampNs: number;
  /** Cumulative CPU time, nanoseconds. */
  cpuUsageCoreNanoSeconds?: number;
  memoryWorkingSetBytes?: number;
  memoryUsageBytes?: number;
}

export type RuntimeEvent = { type: 'started' | 'exited' | 'removed'; sandboxId: string; containerId: string };

export interface RuntimeService {
  version(): Promise<{ runtimeName: string; runtimeVersion: string }>;
  status(): Promise<RuntimeHealth>;
  /** The image if the runtime has it (for imagePullPolicy IfNotPresent/Never). */
  imageStatus(image: string): Promise<ImageInfo | undefined>;
  pullImage(image: string, auth?: RegistryAuth): Promise<string>;
  /** Creates and starts the pod's sandbox (its network namespace, with the pod IP). */
  createPodSandbox(config: PodSandboxConfig, signal?: AbortSignal): Promise<string>;
  stopPodSandbox(sandboxId: string): Promise<void>;
  removePodSandbox(sandboxId: string): Promise<void>;
  podSandboxStatus(sandboxId: string): Promise<PodSandboxStatus>;
  listPodSandboxes(): Promise<PodSandboxStatus[]>;
  createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  containerStatus(containerId: string): Promise<ContainerStatus>;
  listContainers(filter?: { sandboxId?: string }): Promise<ContainerStatus[]>;
  exec(containerId: string, cmd: string[], streams: ExecStreams, signal?: AbortSignal): Promise<{ exitCode: number }>;
  /** Runs a command to completion and collects its output (probes, hooks); timeoutSeconds 0 = none. */
  execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<{ exitCode: number; stdout: Buffer; stderr: Buffer }>;
  logs(containerId: string, opts: LogOptions): AsyncIterable<string>;
  /** Container lifecycle events (CRI GetContainerEvents); returns an unsubscribe function. */
  subscribe(listener: (e: RuntimeEvent) => void): () => void;
  /** Resource counters of the running containers; absent when the runtime keeps none. */
  containerStats?(): Promise<ContainerUsageSample[]>;
  /** The machine's usage as this runtime sees it: only the simulated runtime has one (its machine is pretend too). */
  machineSample?(): Promise<MachineSample>;
  /** True for the simulated runtime: nothing runs, init containers complete at once. */
  readonly simulated?: boolean;
}
