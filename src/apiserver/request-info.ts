// URL + method → the attributes authorization and routing need (k8s requestinfo.go RequestInfoFactory).
export interface ResourceRequestInfo {
  isResourceRequest: true;
  path: string;
  verb: string;
  /** "api" or "apis" */
  apiPrefix: 'api' | 'apis';
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  /** The name authorization sees: the URL's, or an exact metadata.name field selector's on list/watch. */
  name: string;
  /** The name in the URL path only. */
  urlName: string;
  /** Path segments after the resource name and subresource (proxy paths). */
  rest: string[];
  query: URLSearchParams;
}

export interface NonResourceRequestInfo {
  isResourceRequest: false;
  path: string;
  verb: string;
  query: URLSearchParams;
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

const namespaceSubresources = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, url: string): RequestInfo {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const nonResource: NonResourceRequestInfo = { isResourceRequest: false, path, verb: method.toLowerCase(), query };

  let parts = path.split('/').filter((p) => p !== '');
  const prefix = parts[0];
  if (prefix !== 'api' && prefix !== 'apis') return nonResource;
  // /api/v1/<resource> needs 3 segments, /apis/<g>/<v>/<resource> needs 4; shorter paths are discovery.
  const minParts = prefix === 'api' ? 3 : 4;
  if (parts.length < minParts) return nonResource;
  try {
    parts = parts.map((p) => decodeURIComponent(p));
  } catch {
    return nonResource;
  }
  const apiGroup = prefix === 'api' ? '' : (parts[1] ?? '');
  const apiVersion = prefix === 'api' ? (parts[1] ?? '') : (parts[2] ?? '');
  let current = parts.slice(minParts - 1);

  let verb = '';
  switch (method.toUpperCase()) {
    case 'POST': verb = 'create'; break;
    case 'GET': case 'HEAD': verb = 'get'; break;
    case 'PUT': verb = 'update'; break;
    case 'PATCH': verb = 'patch'; break;
    case 'DELETE': verb = 'delete'; break;
    default: verb = '';
  }
  // Deprecated path verb: /api/v1/watch/namespaces/x/pods
  if (current[0] === 'watch' && current.length >= 2) {
    verb = 'watch';
    current = current.slice(1);
  }

  let namespace = '';
  if (current[0] === 'namespaces') {
    if (current.length > 1) {
      namespace = current[1] ?? '';
      if (current.length > 2 && !namespaceSubresources.has(current[2] ?? '')) current = current.slice(2);
    }
  }
  const resource = current[0] ?? '';
  const name = current[1] ?? '';
  const subresource = current[2] ?? '';
  const rest = current.slice(3);

  if (name === '') {
    if (verb === 'get') verb = isTrue(query.get('watch')) ? 'watch' : 'list';
    else if (verb === 'delete') verb = 'deletecollection';
  }
  let attrName = name;
  if (attrName === '' && (verb === 'list' || verb === 'watch')) {
    const exact = exactNameFromFieldSelector(query.get('fieldSelector'));
    if (exact !== undefined) attrName = exact;
  }
  return { isResourceRequest: true, path, verb, apiPrefix: prefix, apiGroup, apiVersion, namespace, resource, subresource, name: attrName, urlName: name, rest, query };
}

/**
 * A boolean query parameter as kube-apiserver's parameter codec reads it: absent is false; present, any value
 * other than "0" or "false" (any case) is true — so Python's `watch=True` and a bare `watch=` both watch.
 */
export function isTrue(v: string | null): boolean {
  return v !== null && v !== '0' && v.toLowerCase() !== 'false';
}

/** "metadata.name=x" (also "metadata.name==x") as the only requirement for that field. */
function exactNameFromFieldSelector(sel: string | null): string | undefined {
  if (!sel) return undefined;
  for (const term of sel.split(',')) {
    const m = /^\s*metadata\.name\s*(==|=)\s*(.*?)\s*$/.exec(term);
    if (m) return m[2];
  }
  return undefined;
}
