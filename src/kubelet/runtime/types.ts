// The container runtime as the node agent sees it, shaped like CRI's RuntimeService and ImageService so
// a containerd (CRI over gRPC) implementation can sit behind the same interface as the simulated one.

export interface PodSandboxConfig {
  name: string;
  namespace: string;
  uid: string;
  attempt: number;
  hostname: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  logDirectory?: string;
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

export type RuntimeEvent = { type: 'started' | 'exited' | 'removed'; sandboxId: string; containerId: string };

export interface RuntimeService {
  version(): Promise<{ runtimeName: string; runtimeVersion: string }>;
  pullImage(image: string, signal?: AbortSignal): Promise<string>;
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
  logs(containerId: string, opts: LogOptions): AsyncIterable<string>;
  /** Container lifecycle events (CRI GetContainerEvents); returns an unsubscribe function. */
  subscribe(listener: (e: RuntimeEvent) => void): () => void;
}
