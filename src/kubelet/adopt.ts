// After a restart the node agent takes over what the runtime still runs: sandboxes of this node whose pods
// still exist (same UID) are adopted with their containers and restart counts, without restarting anything;
// the rest (pods deleted meanwhile, sandboxes that stopped) are removed.
import type { KubeObject } from '../api/object.js';
import type { Indexer } from '../client/informer.js';
import { specOf, str } from '../api/pod-util.js';
import { nodeLabel, podSandboxConfig, type ContainerRecord, type PodRecord, type RealNodeContext } from './pod-sync.js';
import { podLogDir } from './log-paths.js';
import { rmSync } from 'node:fs';
import type { ContainerStatus, RuntimeService } from './runtime/types.js';

export interface AdoptResult {
  adopted: string[];
  removed: string[];
}

function restartCountOf(c: ContainerStatus): number {
  const n = Number(c.annotations?.['io.kubernetes.container.restartCount']);
  return Number.isInteger(n) && n >= 0 ? n : c.attempt;
}

export async function adoptPods(o: { runtime: RuntimeService; pods: Indexer; records: Map<string, PodRecord>; nodeName: string; real?: RealNodeContext; log?: (line: string) => void }): Promise<AdoptResult> {
  const result: AdoptResult = { adopted: [], removed: [] };
  const sandboxes = (await o.runtime.listPodSandboxes()).filter((s) => s.config.labels[nodeLabel] === o.nodeName);
  const containers = await o.runtime.listContainers();
  // Newest sandbox first: if a pod has several, the newest ready one is kept.
  sandboxes.sort((a, b) => b.createdAt - a.createdAt);
  for (const sb of sandboxes) {
    const key = `${sb.config.namespace}/${sb.config.name}`;
    const pod: KubeObject | undefined = o.pods.get(key);
    const mine = pod && pod.metadata.uid === sb.config.uid && str(specOf(pod)['nodeName']) === o.nodeName && !pod.metadata.deletionTimestamp;
    if (mine && sb.state === 'ready' && !o.records.has(key)) {
      const rec: PodRecord = { uid: sb.config.uid, sandboxId: sb.id, sandboxConfig: podSandboxConfig(pod, o.real ? { real: o.real } : {}), startTime: sb.createdAt, containers: new Map(), init: new Map() };
      const initNames = new Set(((specOf(pod)['initContainers'] as { name?: string }[] | undefined) ?? []).map((c) => c.name));
      const byName = new Map<string, ContainerStatus[]>();
      for (const c of containers) if (c.sandboxId === sb.id) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
      for (const [name, list] of byName) {
        list.sort((a, b) => restartCountOf(b) - restartCountOf(a));
        const [current, previous] = list;
        if (!current) continue;
        const cr: ContainerRecord = { id: current.id, restartCount: restartCountOf(current) };
        if (previous) {
          const last = await o.runtime.containerStatus(previous.id).catch(() => undefined);
          if (last) cr.last = last;
        }
        (initNames.has(name) ? rec.init : rec.containers).set(name, cr);
      }
      o.records.set(key, rec);
      result.adopted.push(key);
      continue;
    }
    // Not adoptable: stop and remove it (a pod that still exists gets a new sandbox from its next sync).
    for (const c of containers) if (c.sandboxId === sb.id && (c.state === 'running' || c.state === 'created')) await o.runtime.stopContainer(c.id, 0).catch(() => undefined);
    await o.runtime.stopPodSandbox(sb.id).catch(() => undefined);
    await o.runtime.removePodSandbox(sb.id).catch(() => undefined);
    if (!mine && o.real && !(pod && pod.metadata.uid === sb.config.uid)) {
      o.real.volumes.tearDown(sb.config.uid);
      rmSync(podLogDir(o.real.dataDir, sb.config.namespace, sb.config.name, sb.config.uid), { recursive: true, force: true });
    }
    result.removed.push(`${key} (${sb.id.slice(0, 13)})`);
  }
  return result;
}
