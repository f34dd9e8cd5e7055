// The scheduler's view of a pod's PersistentVolumeClaims (the VolumeBinding plugin, simplified):
// - before filtering: every claim must exist and not be deleting; an unbound claim of an Immediate class
//   makes the pod wait for the binder;
// - per node: a bound claim's volume must be reachable from the node (its node affinity); an unbound claim of a
//   WaitForFirstConsumer class needs a provisioner or a free volume reachable from the node, and a claim the
//   scheduler already asked for stays on the node it asked for;
// - after choosing the node: unbound WaitForFirstConsumer claims get volume.kubernetes.io/selected-node, and the
//   pod is bound only once the binder has bound every claim (it is retried until then).
import type { KubeObject } from '../api/object.js';
import { rec, str } from '../api/pod-util.js';
import { findBestMatch, volumeNodeAffinityMatches } from '../api/volume-match.js';
import { annotations, bindingMode, claimClass, podClaimNames } from '../api/volume-util.js';
import type { Indexer } from '../client/informer.js';
import type { Failure } from './filters.js';

export interface VolumeListers {
  claims: Indexer;
  volumes: Indexer;
  classes: Indexer;
}

const noProvisioner = 'kubernetes.io/no-provisioner';

export interface PodClaims {
  /** Claims that are bound: their volumes. */
  bound: Readonly<KubeObject>[];
  /** Unbound claims of WaitForFirstConsumer classes. */
  delayed: Readonly<KubeObject>[];
}

/** Every claim the pod uses, or the reason the pod cannot be scheduled at all now. */
export function podClaims(pod: Readonly<KubeObject>, l: VolumeListers): PodClaims | { unschedulable: string } {
  const ns = pod.metadata.namespace ?? '';
  const out: PodClaims = { bound: [], delayed: [] };
  for (const name of podClaimNames(pod)) {
    const claim = l.claims.get(`${ns}/${name}`);
    if (!claim) return { unschedulable: `persistentvolumeclaim "${name}" not found` };
    if (claim.metadata.deletionTimestamp) return { unschedulable: `persistentvolumeclaim "${name}" is being deleted` };
    const volumeName = str(rec(claim['spec'])['volumeName']);
    if (volumeName) {
      const pv = l.volumes.get(volumeName);
      if (!pv) return { unschedulable: `pvc(s) bound to non-existent pv(s)` };
      out.bound.push(pv);
      continue;
    }
    const sc = l.classes.get(claimClass(claim) ?? '');
    if (bindingMode(sc) !== 'WaitForFirstConsumer') return { unschedulable: 'pod has unbound immediate PersistentVolumeClaims' };
    out.delayed.push(claim);
  }
  return out;
}

/** Why the node cannot hold the pod's volumes (the VolumeBinding filter's reasons). */
export function volumeFailures(claims: PodClaims, node: Readonly<KubeObject>, l: VolumeListers): Failure[] {
  const out: Failure[] = [];
  if (claims.bound.some((pv) => !volumeNodeAffinityMatches(pv, node))) out.push({ reason: 'node(s) had volume node affinity conflict', unresolvable: true });
  for (const claim of claims.delayed) {
    const selected = claim.metadata.annotations?.[annotations.selectedNode];
    if (selected && selected !== node.metadata.name) {
      out.push({ reason: 'node(s) had volume node affinity conflict', unresolvable: true });
      break;
    }
    const sc = l.classes.get(claimClass(claim) ?? '');
    const provisioner = str(sc?.['provisioner']);
    if (provisioner && provisioner !== noProvisioner) continue;
    if (!findBestMatch(claim, l.volumes.list(), node)) {
      out.push({ reason: "node(s) didn't find available persistent volumes to bind", unresolvable: true });
      break;
    }
  }
  return out;
}
