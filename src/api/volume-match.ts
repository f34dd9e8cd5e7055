// Which volume can serve which claim (the binder's matching, also the scheduler's check for volumes that
// wait for their first consumer): class, capacity, access modes, volume mode, selector, pre-binding, node.
import type { KubeObject } from './object.js';
import { rec, str } from './pod-util.js';
import { nodeSelectorMatches } from './selectors/node-selector.js';
import { selectorMatches } from './selectors/spec-match.js';
import { accessModes, claimClass, claimRequest, phaseOf, volumeCapacity, volumeClass, volumeMode } from './volume-util.js';

export const claimRefOf = (pv: Readonly<KubeObject>): Record<string, unknown> | undefined => {
  const ref = rec(pv['spec'])['claimRef'];
  return ref && typeof ref === 'object' ? (ref as Record<string, unknown>) : undefined;
};

/** The volume's claimRef names this claim (and, when it has a UID, the same claim object). */
export function isVolumeBoundToClaim(pv: Readonly<KubeObject>, claim: Readonly<KubeObject>): boolean {
  const ref = claimRefOf(pv);
  if (!ref) return false;
  if (str(ref['name']) !== claim.metadata.name || str(ref['namespace']) !== claim.metadata.namespace) return false;
  return str(ref['uid']) === '' || str(ref['uid']) === claim.metadata.uid;
}

/** Why a volume cannot serve a claim (checkVolumeSatisfyClaim), or undefined when it can. */
export function volumeMismatch(pv: Readonly<KubeObject>, claim: Readonly<KubeObject>): string | undefined {
  const requested = claimRequest(claim) ?? 0;
  const capacity = volumeCapacity(pv) ?? 0;
  if (capacity < requested) return 'requested PV is too small';
  if (volumeClass(pv) !== (claimClass(claim) ?? '')) return 'storageClassName does not match';
  if (volumeMode(pv) !== volumeMode(claim)) return 'incompatible volumeMode';
  const have = accessModes(pv);
  if (!accessModes(claim).every((m) => have.includes(m))) return 'incompatible accessMode';
  return undefined;
}

/**
 * findBestMatchForClaim: a volume pre-bound to this claim wins; otherwise the smallest free volume that
 * satisfies it (and whose node affinity admits the selected node, for a WaitForFirstConsumer claim).
 */
export function findBestMatch(claim: Readonly<KubeObject>, volumes: readonly Readonly<KubeObject>[], node: Readonly<KubeObject> | undefined): Readonly<KubeObject> | undefined {
  const selector = rec(claim['spec'])['selector'];
  let best: Readonly<KubeObject> | undefined;
  for (const pv of volumes) {
    if (pv.metadata.deletionTimestamp) continue;
    if (volumeMismatch(pv, claim)) continue;
    if (node && !volumeNodeAffinityMatches(pv, node)) continue;
    const ref = claimRefOf(pv);
    if (ref) {
      if (isVolumeBoundToClaim(pv, claim)) return pv;
      continue;
    }
    if (phaseOf(pv) === 'Released' || phaseOf(pv) === 'Failed') continue;
    if (selector !== undefined && selector !== null && !selectorMatches(selector, pv.metadata.labels)) continue;
    if (!best || (volumeCapacity(pv) ?? 0) < (volumeCapacity(best) ?? 0)) best = pv;
  }
  return best;
}

/** A volume without node affinity is reachable from every node. */
export function volumeNodeAffinityMatches(pv: Readonly<KubeObject>, node: Readonly<KubeObject>): boolean {
  const affinity = rec(pv['spec'])['nodeAffinity'];
  if (affinity === undefined || affinity === null) return true;
  return nodeSelectorMatches(rec(affinity)['required'], node);
}
