// Building blocks of server-side printing (pkg/printers/internalversion/printers.go).
import type { KubeObject } from '../api/object.js';
import { humanDuration } from '../api/duration.js';
import type { TableColumn, TablePrinter } from './strategy.js';
import { get, objects, str, stringMap } from './fields.js';

const nameDescription =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const creationDescription =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export function column(name: string, description: string, opts: { type?: TableColumn['type']; wide?: boolean; format?: string } = {}): TableColumn {
  return { name, type: opts.type ?? 'string', format: opts.format ?? '', description, priority: opts.wide ? 1 : 0 };
}

export const nameColumn: TableColumn = column('Name', nameDescription, { format: 'name' });
export const ageColumn: TableColumn = column('Age', creationDescription);

/** translateTimestampSince: HumanDuration since the time, "<unknown>" when unset. */
export function since(timestamp: unknown, now: Date): string {
  if (typeof timestamp !== 'string' || timestamp === '') return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

export function age(obj: KubeObject, now: Date): string {
  return since(obj.metadata.creationTimestamp, now);
}

export function orNone(s: string): string {
  return s === '' ? '<none>' : s;
}

/** labels.FormatLabels: sorted "k=v,k2=v2", or "<none>". */
export function formatLabels(m: Record<string, string> | undefined): string {
  const keys = Object.keys(m ?? {}).sort();
  return orNone(keys.map((k) => `${k}=${m?.[k] ?? ''}`).join(','));
}

/** metav1.FormatLabelSelector: "app=x,tier in (a,b),!gone", or "<none>". */
export function formatLabelSelector(selector: unknown): string {
  if (selector === undefined || selector === null) return '<none>';
  // Requirements print sorted by key, as labels.Selector.String() does.
  const parts: [string, string][] = [];
  const matchLabels = stringMap(get(selector, 'matchLabels')) ?? {};
  for (const k of Object.keys(matchLabels)) parts.push([k, `${k}=${matchLabels[k]}`]);
  for (const req of objects(get(selector, 'matchExpressions'))) {
    const key = str(req.key);
    const values = (Array.isArray(req.values) ? req.values.filter((v): v is string => typeof v === 'string') : []).slice().sort().join(',');
    const text: Record<string, string> = { In: `${key} in (${values})`, NotIn: `${key} notin (${values})`, Exists: key, DoesNotExist: `!${key}` };
    parts.push([key, text[str(req.operator)] ?? `${key} ${str(req.operator)} (${values})`]);
  }
  parts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return orNone(parts.map(([, text]) => text).join(','));
}

/** Containers and Images cells of a pod template: names and images, comma-joined. */
export function containersAndImages(podSpec: unknown): [string, string] {
  const containers = objects(get(podSpec, 'containers'));
  return [containers.map((c) => str(c.name)).join(','), containers.map((c) => str(c.image)).join(',')];
}

export const containersColumn = column('Containers', 'Names of each container in the template.', { wide: true });
export const imagesColumn = column('Images', 'Images referenced by each container in the template.', { wide: true });
export const selectorColumn = column('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.', { wide: true });

/** The default convertor (apiserver/pkg/registry/rest/table.go): Name and Created At. */
export const defaultTable: TablePrinter = {
  columns: [nameColumn, column('Created At', creationDescription, { type: 'date' })],
  cells(obj) {
    return [obj.metadata.name ?? '', obj.metadata.creationTimestamp ?? '0001-01-01T00:00:00Z'];
  },
};

export function int(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0;
}
