// `POD` or `TYPE/NAME` → one pod, as kubectl's AttachablePodForObject does for exec and logs:
// a pod is itself; a deployment, replica set, job, stateful set or service picks one of its selected pods.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import type { CommandContext } from '../command.js';
import { CliError } from '../errors.js';
import { pathFor } from '../resource-args.js';
import { resourcePath } from '../../client/paths.js';

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** A LabelSelector (or a Service's plain map) as the `labelSelector` query text. */
export function selectorString(sel: unknown): string {
  if (!isRecord(sel)) return '';
  const isPlainMap = !('matchLabels' in sel) && !('matchExpressions' in sel);
  const labels = isPlainMap ? sel : isRecord(sel.matchLabels) ? sel.matchLabels : {};
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${String(v)}`);
  const exprs = !isPlainMap && Array.isArray(sel.matchExpressions) ? sel.matchExpressions.filter(isRecord) : [];
  for (const e of exprs) {
    const key = String(e.key ?? '');
    const values = Array.isArray(e.values) ? e.values.map(String).join(',') : '';
    switch (e.operator) {
      case 'In': parts.push(`${key} in (${values})`); break;
      case 'NotIn': parts.push(`${key} notin (${values})`); break;
      case 'Exists': parts.push(key); break;
      case 'DoesNotExist': parts.push(`!${key}`); break;
      default: break;
    }
  }
  return parts.join(',');
}

function isReady(pod: KubeObject): boolean {
  const conditions = isRecord(pod.status) && Array.isArray(pod.status.conditions) ? pod.status.conditions.filter(isRecord) : [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

function phase(pod: KubeObject): string {
  return isRecord(pod.status) && typeof pod.status.phase === 'string' ? pod.status.phase : '';
}

/** kubectl prefers running and ready pods, then the newest. */
export function pickPod(pods: readonly KubeObject[]): KubeObject | undefined {
  const rank = (p: KubeObject) => (p.metadata.deletionTimestamp ? 0 : 1) * 4 + (phase(p) === 'Running' ? 2 : 0) + (isReady(p) ? 1 : 0);
  return [...pods].sort((a, b) => rank(b) - rank(a) || String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')))[0];
}

function selectorOf(obj: KubeObject): unknown {
  const spec = isRecord(obj.spec) ? obj.spec : {};
  return spec.selector;
}

/** `onMany` hears how many pods were selected when there were several (`logs` says so; `exec` does not). */
export async function podFor(ctx: CommandContext, arg: string, namespace: string, onMany?: (count: number, chosen: KubeObject) => void): Promise<KubeObject> {
  const client = await ctx.factory.client();
  const signal = ctx.factory.signal;
  const slash = arg.indexOf('/');
  if (slash < 0) return client.get(resourcePath({ group: '', version: 'v1', resource: 'pods', namespace, name: arg }), { signal });
  const mapper = await ctx.factory.mapper();
  const mapping = mapper.resourceFor(arg.slice(0, slash));
  const name = arg.slice(slash + 1);
  const obj = await client.get(pathFor(mapping, namespace, name), { signal });
  if (mapping.group === '' && mapping.resource === 'pods') return obj;
  const selector = selectorString(selectorOf(obj));
  if (!selector) throw new CliError(`cannot attach to ${mapping.kind}: selector for ${mapping.kind} not implemented`);
  const pods = await client.list(resourcePath({ group: '', version: 'v1', resource: 'pods', namespace }), { query: { labelSelector: selector }, signal });
  const pod = pickPod(pods.items);
  if (!pod) throw new CliError(`no pods found for ${arg}`);
  if (pods.items.length > 1) onMany?.(pods.items.length, pod);
  return pod;
}

export interface ContainerChoice {
  name: string;
  /** kubectl's note when it picked a container itself among several. */
  notice?: string;
}

export function containerNamesOf(pod: KubeObject, field: 'containers' | 'initContainers' | 'ephemeralContainers' = 'containers'): string[] {
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const list = Array.isArray(spec[field]) ? spec[field].filter(isRecord) : [];
  return list.map((c) => String(c.name ?? ''));
}

/** -c, else the default-container annotation, else the first container. */
export function chooseContainer(pod: KubeObject, requested: string): ContainerChoice {
  if (requested) return { name: requested };
  const names = containerNamesOf(pod);
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && names.includes(annotated)) return { name: annotated };
  const first = names[0];
  if (first === undefined) throw new CliError(`pod ${pod.metadata.name ?? ''} does not have any containers`);
  if (names.length > 1) return { name: first, notice: `Defaulted container "${first}" out of: ${names.join(', ')}\n` };
  return { name: first };
}
