// Where each workload kind keeps its pod spec, and the patch `set image|env` sends after changing it.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import type { DiscoveredResource } from '../../client/discovery.js';

/** The pod spec inside an object (the object itself must already be a private copy), or undefined. */
export function podSpecOf(obj: KubeObject): Record<string, unknown> | undefined {
  const spec = isRecord(obj.spec) ? obj.spec : undefined;
  if (!spec) return undefined;
  if (obj.kind === 'Pod') return spec;
  if (obj.kind === 'CronJob') {
    const job = isRecord(spec.jobTemplate) && isRecord(spec.jobTemplate.spec) ? spec.jobTemplate.spec : undefined;
    return job && isRecord(job.template) && isRecord(job.template.spec) ? job.template.spec : undefined;
  }
  return isRecord(spec.template) && isRecord(spec.template.spec) ? spec.template.spec : undefined;
}

export function containersOf(podSpec: Record<string, unknown>, field: 'containers' | 'initContainers'): Record<string, unknown>[] {
  return Array.isArray(podSpec[field]) ? podSpec[field].filter(isRecord) : [];
}

/** The OpenAPI definition strategic merge patches use for a served kind ("io.k8s.api.apps.v1.Deployment"). */
export function definitionFor(m: Pick<DiscoveredResource, 'group' | 'version' | 'kind'>): string {
  const pkg = m.group === '' ? 'core' : (m.group.split('.')[0] ?? m.group);
  return `io.k8s.api.${pkg}.${m.version}.${m.kind}`;
}

/** True for a patch that changes nothing ({}). */
export function isEmptyPatch(patch: Record<string, unknown>): boolean {
  return Object.keys(patch).length === 0;
}
