// A typed client of CRI runtime.v1 (RuntimeService + ImageService) over gRPC on a unix socket, the way the
// kubelet talks to containerd. Every call has a deadline; gRPC failures become CriError with the status code.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type * as T from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
// Beside this file in src/; dist/cri/ once bundled (dist/*.js or dist/chunks/*.js).
const protoCandidates = [join(here, 'runtime-v1.proto'), join(here, 'cri/runtime-v1.proto'), join(here, '../cri/runtime-v1.proto')];

export function criProtoPath(): string {
  const found = protoCandidates.find((p) => existsSync(p));
  if (!found) throw new Error(`CRI proto runtime-v1.proto not found (looked in ${protoCandidates.join(', ')}); run "npm run build"`);
  return found;
}

type GrpcCtor = new (address: string, credentials: grpc.ChannelCredentials, options?: grpc.ClientOptions) => grpc.Client;
let services: { runtime: GrpcCtor; image: GrpcCtor } | undefined;

function loadServices(): { runtime: GrpcCtor; image: GrpcCtor } {
  if (services) return services;
  const def = protoLoader.loadSync(criProtoPath(), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: { RuntimeService: GrpcCtor; ImageService: GrpcCtor } } };
  services = { runtime: pkg.runtime.v1.RuntimeService, image: pkg.runtime.v1.ImageService };
  return services;
}

/** The gRPC status code names (grpc.status) a caller may want to tell apart. */
export type CriCode = keyof typeof grpc.status;

export class CriError extends Error {
  override name = 'CriError';
  constructor(
    readonly method: string,
    readonly code: CriCode,
    /** The runtime's own text (the gRPC status details). */
    readonly details: string,
    options?: { cause?: unknown },
  ) {
    super(`${method}: ${details}`, options);
  }

  /** The error as Go's gRPC client prints it, which is how the kubelet quotes runtime failures in events. */
  get rpcText(): string {
    const code = this.code === 'OK' ? 'OK' : this.code.toLowerCase().replace(/(^|_)([a-z])/g, (_, _s: string, c: string) => c.toUpperCase());
    return `rpc error: code = ${code} desc = ${this.details}`;
  }
}

export function isCriNotFound(e: unknown): boolean {
  return e instanceof CriError && e.code === 'NOT_FOUND';
}

function codeName(code: number | undefined): CriCode {
  const entry = Object.entries(grpc.status).find(([, v]) => v === code);
  return (entry?.[0] as CriCode | undefined) ?? 'UNKNOWN';
}

export interface CriClientOptions {
  /** unix:///path/to/containerd.sock (or a bare path). */
  endpoint: string;
  /** Deadline of ordinary calls (default 2 minutes, as the kubelet's runtime request timeout). */
  timeoutMs?: number;
}

type Unary = (req: unknown, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => grpc.ClientUnaryCall;

export class CriClient {
  readonly endpoint: string;
  readonly #runtime: grpc.Client;
  readonly #image: grpc.Client;
  readonly #timeoutMs: number;

  constructor(o: CriClientOptions) {
    const { runtime, image } = loadServices();
    this.endpoint = o.endpoint.startsWith('unix:') ? o.endpoint : `unix://${o.endpoint}`;
    this.#timeoutMs = o.timeoutMs ?? 120_000;
    // Both services share one HTTP/2 connection to the socket.
    const options: grpc.ClientOptions = { 'grpc.max_receive_message_length': 16 * 1024 * 1024 };
    this.#runtime = new runtime(this.endpoint, grpc.credentials.createInsecure(), options);
    this.#image = new image(this.endpoint, grpc.credentials.createInsecure(), { ...options, channelOverride: this.#runtime.getChannel() });
  }

  #call<Res>(client: grpc.Client, method: string, req: object, timeoutMs?: number): Promise<Res> {
    const fn = (client as unknown as Record<string, Unary>)[method];
    if (typeof fn !== 'function') return Promise.reject(new Error(`CRI method ${method} is not in the proto`));
    const deadline = timeoutMs === 0 ? Infinity : Date.now() + (timeoutMs ?? this.#timeoutMs);
    return new Promise<Res>((resolve, reject) => {
      fn.call(client, req, new grpc.Metadata(), { deadline }, (err, res) => {
        if (err) reject(new CriError(method, codeName(err.code), err.details || err.message, { cause: err }));
        else resolve(res as Res);
      });
    });
  }

  #rt<Res>(method: string, req: object, timeoutMs?: number): Promise<Res> {
    return this.#call<Res>(this.#runtime, method, req, timeoutMs);
  }

  #img<Res>(method: string, req: object, timeoutMs?: number): Promise<Res> {
    return this.#call<Res>(this.#image, method, req, timeoutMs);
  }

  // RuntimeService

  version(): Promise<T.VersionResponse> {
    return this.#rt('Version', { version: 'v1' }, 10_000);
  }

  status(verbose = false): Promise<T.StatusResponse> {
    return this.#rt('Status', { verbose }, 10_000);
  }

  async runPodSandbox(config: T.PodSandboxConfig, runtimeHandler = ''): Promise<string> {
    // Creating the network namespace and calling CNI can take a while under load: allow 4 minutes.
    const res = await this.#rt<{ pod_sandbox_id: string }>('RunPodSandbox', { config, runtime_handler: runtimeHandler }, 240_000);
    return res.pod_sandbox_id;
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    await this.#rt('StopPodSandbox', { pod_sandbox_id: podSandboxId });
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    await this.#rt('RemovePodSandbox', { pod_sandbox_id: podSandboxId });
  }

  podSandboxStatus(podSandboxId: string, verbose = false): Promise<T.PodSandboxStatusResponse> {
    return this.#rt('PodSandboxStatus', { pod_sandbox_id: podSandboxId, verbose });
  }

  async listPodSandbox(filter?: T.PodSandboxFilter): Promise<T.PodSandbox[]> {
    const res = await this.#rt<{ items: T.PodSandbox[] }>('ListPodSandbox', filter ? { filter } : {});
    return res.items;
  }

  async createContainer(podSandboxId: string, config: T.ContainerConfig, sandboxConfig: T.PodSandboxConfig): Promise<string> {
    const res = await this.#rt<{ container_id: string }>('CreateContainer', { pod_sandbox_id: podSandboxId, config, sandbox_config: sandboxConfig });
    return res.container_id;
  }

  async startContainer(containerId: string): Promise<void> {
    await this.#rt('StartContainer', { container_id: containerId });
  }

  /** Stops a container: SIGTERM (or the image's stop signal), then SIGKILL after timeoutSeconds. */
  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    await this.#rt('StopContainer', { container_id: containerId, timeout: String(Math.max(0, Math.floor(timeoutSeconds))) }, this.#timeoutMs + timeoutSeconds * 1000);
  }

  async removeContainer(containerId: string): Promise<void> {
    await this.#rt('RemoveContainer', { container_id: containerId });
  }

  async listContainers(filter?: T.ContainerFilter): Promise<T.Container[]> {
    const res = await this.#rt<{ containers: T.Container[] }>('ListContainers', filter ? { filter } : {});
    return res.containers;
  }

  containerStatus(containerId: string, verbose = false): Promise<T.ContainerStatusResponse> {
    return this.#rt('ContainerStatus', { container_id: containerId, verbose });
  }

  async updateContainerResources(containerId: string, linux: T.LinuxContainerResources): Promise<void> {
    await this.#rt('UpdateContainerResources', { container_id: containerId, linux });
  }

  async reopenContainerLog(containerId: string): Promise<void> {
    await this.#rt('ReopenContainerLog', { container_id: containerId });
  }

  /** Runs a command in a container and collects its output (probes, hooks). timeoutSeconds 0 = no limit. */
  execSync(containerId: string, cmd: string[], timeoutSeconds = 0): Promise<T.ExecSyncResponse> {
    return this.#rt('ExecSync', { container_id: containerId, cmd, timeout: String(timeoutSeconds) }, timeoutSeconds > 0 ? timeoutSeconds * 1000 + 10_000 : 0);
  }

  /** A URL on the runtime's streaming server that runs the command when connected to. */
  exec(req: T.ExecRequest): Promise<{ url: string }> {
    return this.#rt('Exec', req, 10_000);
  }

  /** A URL on the runtime's streaming server that attaches to the container's main process. */
  attach(req: T.AttachRequest): Promise<{ url: string }> {
    return this.#rt('Attach', req, 10_000);
  }

  /** A URL on the runtime's streaming server that forwards to ports of the sandbox's network namespace. */
  portForward(podSandboxId: string, ports: number[] = []): Promise<{ url: string }> {
    return this.#rt('PortForward', { pod_sandbox_id: podSandboxId, port: ports }, 10_000);
  }

  async containerStats(containerId: string): Promise<T.ContainerStats | null> {
    const res = await this.#rt<{ stats: T.ContainerStats | null }>('ContainerStats', { container_id: containerId });
    return res.stats;
  }

  async listContainerStats(filter?: T.ContainerStatsFilter): Promise<T.ContainerStats[]> {
    const res = await this.#rt<{ stats: T.ContainerStats[] }>('ListContainerStats', filter ? { filter } : {});
    return res.stats;
  }

  // ImageService

  async listImages(image?: string): Promise<T.Image[]> {
    const res = await this.#img<{ images: T.Image[] }>('ListImages', image ? { filter: { image: { image } } } : {});
    return res.images;
  }

  /** The image, or null when the runtime does not have it. */
  async imageStatus(image: string): Promise<T.Image | null> {
    const res = await this.#img<{ image: T.Image | null }>('ImageStatus', { image: { image } });
    return res.image && res.image.id ? res.image : null;
  }

  /** Pulls an image (no deadline of its own: large images take long; pass a signal-bound timeout if needed). */
  async pullImage(image: string, auth?: T.AuthConfig, sandboxConfig?: T.PodSandboxConfig): Promise<string> {
    const res = await this.#img<{ image_ref: string }>('PullImage', { image: { image }, ...(auth ? { auth } : {}), ...(sandboxConfig ? { sandbox_config: sandboxConfig } : {}) }, 0);
    return res.image_ref;
  }

  async removeImage(image: string): Promise<void> {
    await this.#img('RemoveImage', { image: { image } });
  }

  async imageFsInfo(): Promise<T.FilesystemUsage[]> {
    const res = await this.#img<{ image_filesystems: T.FilesystemUsage[] }>('ImageFsInfo', {});
    return res.image_filesystems;
  }

  close(): void {
    this.#image.close();
    this.#runtime.close();
  }
}
