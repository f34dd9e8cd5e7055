// Controller references: who controls an object, and claiming (adopting/releasing) objects by selector
// the way k8s's ControllerRefManager does.
import type { KubeObject, OwnerReference } from '../api/object.js';
import { selectorMatcher } from '../api/selectors/spec-match.js';
import { isNotFound } from '../client/api-error.js';
import type { ControllerClient } from '../client/control/types.js';

export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

export function ownerRefTo(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name ?? '', uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

export interface ClaimOptions {
  client: ControllerClient;
  owner: KubeObject;
  ownerApiVersion: string;
  ownerKind: string;
  selector: unknown;
  /** Path of a candidate (for the patch). */
  pathOf(obj: KubeObject): string;
  /** Extra check before adopting an orphan (e.g. the pod template hash). */
  canAdopt?(obj: KubeObject): boolean;
}

/**
 * Returns the candidates the owner controls after adopting matching orphans and releasing
 * controlled objects that no longer match. An owner being deleted adopts nothing.
 */
export async function claimObjects(candidates: KubeObject[], o: ClaimOptions): Promise<KubeObject[]> {
  const uid = o.owner.metadata.uid;
  const owned: KubeObject[] = [];
  const selects = selectorMatcher(o.selector);
  for (const obj of candidates) {
    const ref = controllerRef(obj);
    // Objects controlled by someone else are skipped before any label matching (the common case at scale).
    if (ref && ref.uid !== uid) continue;
    const matches = selects(obj.metadata.labels);
    if (ref) {
      if (matches || o.owner.metadata.deletionTimestamp) {
        owned.push(obj);
        continue;
      }
      if (obj.metadata.deletionTimestamp) continue;
      await patchOwnerRefs(o, obj, (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid));
      continue;
    }
    if (!matches || o.owner.metadata.deletionTimestamp || obj.metadata.deletionTimestamp) continue;
    if (o.canAdopt && !o.canAdopt(obj)) continue;
    const adopted = await patchOwnerRefs(o, obj, [...(obj.metadata.ownerReferences ?? []), ownerRefTo(o.owner, o.ownerApiVersion, o.ownerKind)]);
    if (adopted) owned.push(adopted);
  }
  return owned;
}

async function patchOwnerRefs(o: ClaimOptions, obj: KubeObject, refs: OwnerReference[]): Promise<KubeObject | undefined> {
  try {
    // resourceVersion makes the merge patch conditional: a concurrent change wins and we look again.
    return await o.client.patch<KubeObject>(o.pathOf(obj), { metadata: { ownerReferences: refs.length ? refs : null, resourceVersion: obj.metadata.resourceVersion } }, 'merge');
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}
