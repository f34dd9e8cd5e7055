// A NodeServerBackend over the node agent's RuntimeService: pods and containers found through the runtime's
// sandbox and container lists (labels as CRI metadata), logs from CRI log files when the runtime has them.
import { isAbsolute, join } from 'node:path';
import type { ContainerStatus, RuntimeService } from '../runtime/types.js';
import { readCriLog, type LogReadOptions } from '../logs/cri-log.js';
import type { LocatedContainer, NodeServerBackend, PodRef, StreamingService } from './types.js';

export interface RuntimeBackendOptions {
  runtime: RuntimeService;
  runtimeName: string;
  streaming?: StreamingService;
  /** The container's CRI log file; without it logs come from the runtime's own log call. */
  logPath?: (containerId: string) => Promise<string | undefined>;
}

/** Joins a container's CRI log_path with its sandbox's log_directory, as the runtime does. */
export function criLogPath(logDirectory: string | undefined, logPath: string | undefined): string | undefined {
  if (!logPath) return undefined;
  if (isAbsolute(logPath)) return logPath;
  return logDirectory ? join(logDirectory, logPath) : undefined;
}

function latestFirst(a: ContainerStatus, b: ContainerStatus): number {
  return b.attempt - a.attempt || b.createdAt - a.createdAt;
}

export function runtimeBackend(o: RuntimeBackendOptions): NodeServerBackend {
  const { runtime } = o;
  async function sandboxes(pod: PodRef) {
    const all = await runtime.listPodSandboxes();
    return all
      .filter((s) => s.config.namespace === pod.namespace && s.config.name === pod.name && (!pod.uid || s.config.uid === pod.uid))
      .sort((a, b) => (a.state === b.state ? b.createdAt - a.createdAt : a.state === 'ready' ? -1 : 1));
  }
  const backend: NodeServerBackend = {
    runtimeName: o.runtimeName,
    async sandbox(pod) {
      return (await sandboxes(pod))[0]?.id;
    },
    async container(pod, name, previous = false): Promise<LocatedContainer | undefined> {
      const found: ContainerStatus[] = [];
      for (const s of await sandboxes(pod)) {
        for (const c of await runtime.listContainers({ sandboxId: s.id })) if (c.name === name) found.push(c);
      }
      found.sort(latestFirst);
      const c = found[previous ? 1 : 0];
      if (!c) return undefined;
      return { id: c.id, sandboxId: c.sandboxId, name: c.name, attempt: c.attempt, running: c.state === 'running' };
    },
    logs(c, opts: LogReadOptions) {
      return (async function* () {
        const path = o.logPath ? await o.logPath(c.id) : undefined;
        if (path) {
          const stillWriting = async () => (await runtime.containerStatus(c.id).catch(() => undefined))?.state === 'running';
          yield* readCriLog(path, { ...opts, stillWriting });
          return;
        }
        yield* runtime.logs(c.id, { ...(opts.follow ? { follow: true } : {}), ...(opts.tailLines !== undefined ? { tailLines: opts.tailLines } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
        // Following a runtime whose log call ends at once: the stream stays open while the container runs.
        while (opts.follow && !opts.signal?.aborted && (await runtime.containerStatus(c.id).catch(() => undefined))?.state === 'running') {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 1000);
            opts.signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
          });
        }
      })();
    },
  };
  if (o.streaming) backend.streaming = o.streaming;
  return backend;
}
