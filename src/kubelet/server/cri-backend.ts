// The node server's backend on a CRI runtime (containerd): pods and containers from ListPodSandbox and
// ListContainers (by CRI metadata), logs from the CRI log file ContainerStatus names, exec/attach/port-forward
// from the URLs the runtime's streaming server hands out.
import type { CriClient, PodSandbox } from '../cri/index.js';
import { readCriLog } from '../logs/cri-log.js';
import type { LocatedContainer, NodeServerBackend, PodRef, StreamingService } from './types.js';

export function criStreaming(cri: CriClient): StreamingService {
  return {
    exec: (containerId, cmd, o) => cri.exec({ container_id: containerId, cmd, tty: o.tty, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr }),
    attach: (containerId, o) => cri.attach({ container_id: containerId, tty: o.tty, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr }),
    portForward: (sandboxId, ports) => cri.portForward(sandboxId, ports),
  };
}

function matches(s: PodSandbox, pod: PodRef): boolean {
  const m = s.metadata;
  return !!m && m.namespace === pod.namespace && m.name === pod.name && (!pod.uid || m.uid === pod.uid);
}

/** Orders CRI nanosecond times (decimal strings) newest first. */
function newestFirst(a: string, b: string): number {
  const x = BigInt(a || '0');
  const y = BigInt(b || '0');
  return x === y ? 0 : x > y ? -1 : 1;
}

/** Ready sandboxes before the others, newest first. */
function byPreference(a: PodSandbox, b: PodSandbox): number {
  if (a.state !== b.state) return a.state === 'SANDBOX_READY' ? -1 : 1;
  return newestFirst(a.created_at, b.created_at);
}

export function criBackend(cri: CriClient, runtimeName = 'containerd'): NodeServerBackend {
  async function sandboxes(pod: PodRef): Promise<PodSandbox[]> {
    return (await cri.listPodSandbox()).filter((s) => matches(s, pod)).sort(byPreference);
  }
  return {
    runtimeName,
    streaming: criStreaming(cri),
    async sandbox(pod) {
      return (await sandboxes(pod))[0]?.id;
    },
    async container(pod, name, previous = false): Promise<LocatedContainer | undefined> {
      const found = [];
      for (const s of await sandboxes(pod)) {
        for (const c of await cri.listContainers({ pod_sandbox_id: s.id })) if (c.metadata?.name === name) found.push(c);
      }
      found.sort((a, b) => (b.metadata?.attempt ?? 0) - (a.metadata?.attempt ?? 0) || newestFirst(a.created_at, b.created_at));
      const c = found[previous ? 1 : 0];
      if (!c) return undefined;
      return { id: c.id, sandboxId: c.pod_sandbox_id, name, attempt: c.metadata?.attempt ?? 0, running: c.state === 'CONTAINER_RUNNING' };
    },
    logs(c, opts) {
      return (async function* () {
        const status = await cri.containerStatus(c.id);
        const path = status.status?.log_path;
        if (!path) return;
        const stillWriting = async () => (await cri.containerStatus(c.id).catch(() => undefined))?.status?.state === 'CONTAINER_RUNNING';
        yield* readCriLog(path, { ...opts, stillWriting });
      })();
    },
  };
}
