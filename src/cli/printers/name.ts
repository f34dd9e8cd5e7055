// `-o name`: `<kind lower-cased>[.<group>]/<name>`, e.g. `deployment.apps/nginx-1`, `pod/nginx-1-abc`.

function groupOf(apiVersion: unknown): string {
  if (typeof apiVersion !== 'string') return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function resourceName(obj: Record<string, unknown>): string {
  const kind = typeof obj.kind === 'string' ? obj.kind.toLowerCase() : '';
  const group = groupOf(obj.apiVersion);
  const meta = obj.metadata;
  const name = typeof meta === 'object' && meta !== null ? (meta as { name?: unknown }).name : undefined;
  const typeName = group === '' ? kind : `${kind}.${group}`;
  return `${typeName}/${typeof name === 'string' ? name : ''}`;
}

export function printNames(objs: Record<string, unknown>[]): string {
  return objs.map((o) => `${resourceName(o)}\n`).join('');
}
