// URL paths of the Kubernetes REST API.

export interface ResourcePathParts {
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export function groupVersionPrefix(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** "/apis/apps/v1/namespaces/ns-1/deployments/web/scale" */
export function resourcePath(p: ResourcePathParts): string {
  let out = groupVersionPrefix(p.group, p.version);
  if (p.namespace) out += `/namespaces/${encodeURIComponent(p.namespace)}`;
  out += `/${p.resource}`;
  if (p.name !== undefined) out += `/${encodeURIComponent(p.name)}`;
  if (p.subresource) out += `/${p.subresource}`;
  return out;
}

export type QueryValue = string | number | boolean | undefined;
export type Query = Record<string, QueryValue> | URLSearchParams;

export function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = query instanceof URLSearchParams ? query : new URLSearchParams();
  if (!(query instanceof URLSearchParams)) {
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}
