// A Deployment's revision history: the ReplicaSets it controls, by their deployment.kubernetes.io/revision.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { resourcePath } from '../../client/paths.js';
import type { RestClient } from '../../client/rest.js';
import { selectorString } from './pod-for.js';

export const revisionAnnotation = 'deployment.kubernetes.io/revision';
export const changeCauseAnnotation = 'kubernetes.io/change-cause';

export function revisionOf(obj: KubeObject): number {
  const n = Number(obj.metadata.annotations?.[revisionAnnotation] ?? '0');
  return Number.isInteger(n) ? n : 0;
}

/** Revision → ReplicaSet, for the ReplicaSets whose controller is this Deployment. */
export async function deploymentRevisions(client: RestClient, deployment: KubeObject, signal: AbortSignal): Promise<Map<number, KubeObject>> {
  const spec = isRecord(deployment.spec) ? deployment.spec : {};
  const namespace = deployment.metadata.namespace ?? '';
  const replicaSets = await client.list(resourcePath({ group: 'apps', version: 'v1', resource: 'replicasets', namespace }), {
    query: { labelSelector: selectorString(spec.selector) || undefined },
    signal,
  });
  const owned = replicaSets.items.filter((rs) => (rs.metadata.ownerReferences ?? []).some((o) => o.controller === true && o.uid === deployment.metadata.uid));
  const out = new Map<number, KubeObject>();
  for (const rs of owned) {
    const rev = revisionOf(rs);
    if (rev > 0) out.set(rev, rs);
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}
