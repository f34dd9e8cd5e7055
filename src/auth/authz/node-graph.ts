// The Node authorizer's graph (upstream's plugin/pkg/auth/authorizer/node graph, in our own shape): which objects
// each node may read because a pod bound to it uses them. It is kept up to date object by object from the watch
// caches of pods, persistent volumes and volume attachments (node-graph-feed.ts), so a decision is a few map
// lookups instead of a scan of every pod:
//   node ← pod (spec.nodeName)
//   node ← pod ← secret | configmap | persistentvolumeclaim | serviceaccount
//   node ← pod ← persistentvolumeclaim ← persistentvolume (claimRef) ← secret (the volume's kubelet-visible secrets)
//   node ← volumeattachment (spec.nodeName)
import { isRecord, type KubeObject } from '../../api/object.js';
import type { CacheSink } from '../cache-feed.js';
import { podReferences } from './pod-references.js';

/** The kinds a node's access is decided for by the graph. */
export type GraphKind = 'pods' | 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'persistentvolumes' | 'serviceaccounts' | 'volumeattachments';

type PodEdgeKind = 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts';
const podEdgeKinds: readonly PodEdgeKind[] = ['secrets', 'configmaps', 'persistentvolumeclaims', 'serviceaccounts'];

interface PodEntry {
  node: string;
  namespace: string;
  /** Names per kind, in the pod's namespace. */
  refs: Record<PodEdgeKind, string[]>;
}

function rec(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Counts per node: how many pods (or volumes) on each node lead to one object. */
class EdgeCounts {
  private readonly byObject = new Map<string, Map<string, number>>();

  add(key: string, node: string): void {
    let nodes = this.byObject.get(key);
    if (!nodes) this.byObject.set(key, (nodes = new Map()));
    nodes.set(node, (nodes.get(node) ?? 0) + 1);
  }

  remove(key: string, node: string): void {
    const nodes = this.byObject.get(key);
    const n = nodes?.get(node);
    if (!nodes || n === undefined) return;
    if (n > 1) nodes.set(node, n - 1);
    else {
      nodes.delete(node);
      if (nodes.size === 0) this.byObject.delete(key);
    }
  }

  has(key: string, node: string): boolean {
    return this.byObject.get(key)?.has(node) ?? false;
  }

  get size(): number {
    return this.byObject.size;
  }
}

/**
 * The secrets a persistent volume hands to the kubelet, as namespace/name: CSI node-stage, node-publish and
 * node-expand secrets, and the secretRef of the in-tree sources that have one (namespace defaults to the claim's).
 */
export function persistentVolumeSecrets(pv: Readonly<KubeObject>): string[] {
  const spec = rec(pv['spec']);
  const claimNamespace = str(rec(spec['claimRef'])['namespace']);
  const out = new Set<string>();
  const ref = (r: unknown, defaultNamespace = claimNamespace) => {
    const name = str(rec(r)['name']);
    if (name !== '') out.add(objectKey(str(rec(r)['namespace']) || defaultNamespace, name));
  };
  const csi = rec(spec['csi']);
  ref(csi['nodeStageSecretRef']);
  ref(csi['nodePublishSecretRef']);
  ref(csi['nodeExpandSecretRef']);
  for (const source of ['cephfs', 'cinder', 'flexVolume', 'iscsi', 'rbd', 'scaleIO', 'storageos']) ref(rec(spec[source])['secretRef']);
  const azure = rec(spec['azureFile']);
  if (str(azure['secretName']) !== '') out.add(objectKey(str(azure['secretNamespace']) || 'default', str(azure['secretName'])));
  return [...out];
}

export class NodeGraph {
  private readonly pods = new Map<string, PodEntry>();
  /** kind → object key → node → count of pods on that node referencing it. */
  private readonly podEdges = new Map<PodEdgeKind | 'pods', EdgeCounts>([...podEdgeKinds, 'pods' as const].map((k) => [k, new EdgeCounts()]));
  private readonly pvClaim = new Map<string, string>();
  private readonly pvSecrets = new Map<string, string[]>();
  /** secret key → the volumes that name it. */
  private readonly secretVolumes = new Map<string, Set<string>>();
  private readonly attachmentNode = new Map<string, string>();

  // ---- pods ----

  /** Adds or replaces a pod; a pod not bound to a node (or finished being deleted) holds no edges. */
  upsertPod(pod: Readonly<KubeObject>): void {
    const namespace = pod.metadata.namespace ?? '';
    const key = objectKey(namespace, pod.metadata.name ?? '');
    this.removePodKey(key);
    const node = str(rec(pod['spec'])['nodeName']);
    if (node === '') return;
    const r = podReferences(pod);
    // A generic ephemeral volume's claim is named <pod>-<volume>.
    const volumes = rec(pod['spec'])['volumes'];
    if (Array.isArray(volumes)) for (const v of volumes) if (isRecord(v) && isRecord(v['ephemeral']) && str(v['name']) !== '') r.persistentvolumeclaims.add(`${pod.metadata.name ?? ''}-${str(v['name'])}`);
    const entry: PodEntry = {
      node,
      namespace,
      refs: { secrets: [...r.secrets], configmaps: [...r.configmaps], persistentvolumeclaims: [...r.persistentvolumeclaims], serviceaccounts: [...r.serviceaccounts] },
    };
    this.pods.set(key, entry);
    this.edges('pods').add(key, node);
    for (const kind of podEdgeKinds) for (const name of entry.refs[kind]) this.edges(kind).add(objectKey(namespace, name), node);
  }

  removePod(pod: Readonly<KubeObject>): void {
    this.removePodKey(objectKey(pod.metadata.namespace ?? '', pod.metadata.name ?? ''));
  }

  private removePodKey(key: string): void {
    const entry = this.pods.get(key);
    if (!entry) return;
    this.pods.delete(key);
    this.edges('pods').remove(key, entry.node);
    for (const kind of podEdgeKinds) for (const name of entry.refs[kind]) this.edges(kind).remove(objectKey(entry.namespace, name), entry.node);
  }

  private edges(kind: PodEdgeKind | 'pods'): EdgeCounts {
    const e = this.podEdges.get(kind);
    if (!e) throw new Error(`node graph: no edges of kind ${kind}`);
    return e;
  }

  // ---- persistent volumes ----

  upsertPersistentVolume(pv: Readonly<KubeObject>): void {
    const name = pv.metadata.name ?? '';
    this.removePersistentVolumeName(name);
    const claim = rec(rec(pv['spec'])['claimRef']);
    if (str(claim['name']) === '') return;
    this.pvClaim.set(name, objectKey(str(claim['namespace']), str(claim['name'])));
    const secrets = persistentVolumeSecrets(pv);
    if (secrets.length === 0) return;
    this.pvSecrets.set(name, secrets);
    for (const s of secrets) {
      let set = this.secretVolumes.get(s);
      if (!set) this.secretVolumes.set(s, (set = new Set()));
      set.add(name);
    }
  }

  removePersistentVolume(pv: Readonly<KubeObject>): void {
    this.removePersistentVolumeName(pv.metadata.name ?? '');
  }

  private removePersistentVolumeName(name: string): void {
    this.pvClaim.delete(name);
    for (const s of this.pvSecrets.get(name) ?? []) {
      const set = this.secretVolumes.get(s);
      set?.delete(name);
      if (set?.size === 0) this.secretVolumes.delete(s);
    }
    this.pvSecrets.delete(name);
  }

  // ---- volume attachments ----

  upsertVolumeAttachment(va: Readonly<KubeObject>): void {
    const node = str(rec(va['spec'])['nodeName']);
    if (node === '') this.attachmentNode.delete(va.metadata.name ?? '');
    else this.attachmentNode.set(va.metadata.name ?? '', node);
  }

  removeVolumeAttachment(va: Readonly<KubeObject>): void {
    this.attachmentNode.delete(va.metadata.name ?? '');
  }

  // ---- questions ----

  /** Whether a path leads from the object to the node. Namespace is ignored for cluster-scoped kinds. */
  hasPath(node: string, kind: GraphKind, namespace: string, name: string): boolean {
    switch (kind) {
      case 'pods':
      case 'configmaps':
      case 'persistentvolumeclaims':
      case 'serviceaccounts':
        return this.edges(kind).has(objectKey(namespace, name), node);
      case 'secrets': {
        const key = objectKey(namespace, name);
        if (this.edges('secrets').has(key, node)) return true;
        for (const pv of this.secretVolumes.get(key) ?? []) if (this.volumeReaches(pv, node)) return true;
        return false;
      }
      case 'persistentvolumes':
        return this.volumeReaches(name, node);
      case 'volumeattachments':
        return this.attachmentNode.get(name) === node;
      default: {
        const no: never = kind;
        throw new Error(`node graph: unknown kind ${String(no)}`);
      }
    }
  }

  private volumeReaches(pv: string, node: string): boolean {
    const claim = this.pvClaim.get(pv);
    return claim !== undefined && this.edges('persistentvolumeclaims').has(claim, node);
  }

  /** Counts, for tests and metrics. */
  stats(): { pods: number; volumes: number; attachments: number } {
    return { pods: this.pods.size, volumes: this.pvClaim.size, attachments: this.attachmentNode.size };
  }

  /** Drops everything of one kind (before a relist refills it). */
  clear(kind: 'pods' | 'persistentvolumes' | 'volumeattachments'): void {
    if (kind === 'pods') for (const key of [...this.pods.keys()]) this.removePodKey(key);
    else if (kind === 'persistentvolumes') for (const name of [...this.pvClaim.keys()]) this.removePersistentVolumeName(name);
    else this.attachmentNode.clear();
  }
}

/** The graph as sinks for auth/cache-feed.ts, one per resource it follows. */
export function nodeGraphSinks(graph: NodeGraph): Record<'pods' | 'persistentvolumes' | 'volumeattachments', CacheSink> {
  return {
    pods: { upsert: (o) => graph.upsertPod(o), remove: (o) => graph.removePod(o), replace: (items) => (graph.clear('pods'), items.forEach((o) => graph.upsertPod(o))) },
    persistentvolumes: {
      upsert: (o) => graph.upsertPersistentVolume(o),
      remove: (o) => graph.removePersistentVolume(o),
      replace: (items) => (graph.clear('persistentvolumes'), items.forEach((o) => graph.upsertPersistentVolume(o))),
    },
    volumeattachments: {
      upsert: (o) => graph.upsertVolumeAttachment(o),
      remove: (o) => graph.removeVolumeAttachment(o),
      replace: (items) => (graph.clear('volumeattachments'), items.forEach((o) => graph.upsertVolumeAttachment(o))),
    },
  };
}
