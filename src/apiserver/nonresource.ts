// Non-resource endpoints: /version, health checks, discovery (legacy and aggregated) and OpenAPI.
// Documents are built once and kept as encoded text.
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, discoveryContentType } from '../api/discovery.js';
import { encodeOpenapiV2Protobuf, mergeOpenapiV2, openapiV2Json, openapiV3GroupVersion, openapiV3Root } from '../api/openapi/index.js';
import { accepts } from './negotiation.js';
import { createHash } from 'node:crypto';
import type { ResourceRegistry } from '../api/resource-registry.js';
import { jsonText, textResponse, errorResponse } from './responses.js';
import { errors } from '../api/status.js';
import { headerValue, type ApiRequest, type ApiResponse, type RequestContext } from './types.js';

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export const defaultVersion: VersionInfo = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-akube',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'gc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export interface HealthCheck {
  name: string;
  check(): Promise<void>;
}

export interface NonResourceDeps {
  version: VersionInfo;
  /** host:port for serverAddressByClientCIDRs. */
  serverAddress: () => string;
  healthChecks: HealthCheck[];
  /** What is served now; every document follows its changes. */
  registry: ResourceRegistry;
}

// Both spellings are accepted; the answer uses the one Go's mime parser can read (kube-openapi does the same).
const openapiV2ProtoTypes = ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'];
const openapiV2ProtoReply = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const p = part.replace(/\s+/g, '');
    if (!p.includes('as=APIGroupDiscoveryList') || !p.includes('g=apidiscovery.k8s.io')) continue;
    if (p.includes('v=v2beta1')) return 'v2beta1';
    if (p.includes('v=v2')) return 'v2';
  }
  return undefined;
}

export function createNonResourceHandler(deps: NonResourceDeps): (req: ApiRequest, ctx: RequestContext) => Promise<ApiResponse> {
  const versionText = JSON.stringify(deps.version, null, 2);
  const reg = deps.registry;
  // Every document is built once per registry generation and kept as text.
  let generation = -1;
  const texts = new Map<string, string | null>();
  let v2ProtoBytes: Buffer | undefined;
  let v2Doc: Record<string, unknown> | undefined;
  const fresh = () => {
    if (generation === reg.generation) return;
    generation = reg.generation;
    texts.clear();
    v2ProtoBytes = undefined;
    v2Doc = undefined;
  };
  function cached(key: string, build: () => unknown): string | null {
    fresh();
    let t = texts.get(key);
    if (t === undefined) {
      const doc = build();
      t = doc === undefined ? null : JSON.stringify(doc);
      texts.set(key, t);
    }
    return t;
  }
  const aggregatedText = (root: 'api' | 'apis', v: 'v2' | 'v2beta1') => cached(`aggregated ${root}/${v}`, () => aggregatedDiscovery(root, v, reg)) ?? '';
  const etags = new Map<string, string>();
  /** The aggregated document with its ETag (a digest of the text), 304 when the client has it already. */
  function aggregatedResponse(root: 'api' | 'apis', v: 'v2' | 'v2beta1', req: ApiRequest): ApiResponse {
    const body = aggregatedText(root, v);
    let etag = etags.get(body);
    if (!etag) {
      if (etags.size > 64) etags.clear();
      etag = `"${createHash('sha512').update(body).digest('hex').toUpperCase()}"`;
      etags.set(body, etag);
    }
    const headers = { 'content-type': discoveryContentType(v), etag, vary: 'Accept' };
    if (headerValue(req.headers, 'if-none-match') === etag) return { status: 304, headers, body: '' };
    return { status: 200, headers, body };
  }
  const apisText = () => cached('apis', () => apiGroupList(reg)) ?? '';
  // this server's document with what aggregated backends serve merged in (kube-aggregator's order: group priority,
  // then version priority, both highest first)
  const v2Merged = () => {
    fresh();
    if (v2Doc) return v2Doc;
    const backends = reg.remotes()
      .filter((gv) => gv.openapiV2 !== undefined)
      .sort((a, b) => b.groupPriorityMinimum - a.groupPriorityMinimum || b.versionPriority - a.versionPriority || (a.group + a.version < b.group + b.version ? -1 : 1))
      .map((gv) => ({ group: gv.group, version: gv.version, spec: gv.openapiV2 }));
    v2Doc = mergeOpenapiV2(openapiV2Json(reg.local()) as Record<string, unknown>, backends);
    return v2Doc;
  };
  const v2Json = () => cached('openapi/v2', v2Merged) ?? '';
  const v2Proto = () => {
    fresh();
    v2ProtoBytes ??= encodeOpenapiV2Protobuf(v2Merged());
    return v2ProtoBytes;
  };
  const v3Root = () => cached('openapi/v3', () => {
    const root = openapiV3Root(reg.local()) as { paths: Record<string, { serverRelativeURL: string }> };
    // a group/version another server answers: its document is that server's, fetched through the proxy
    for (const gv of reg.remotes()) root.paths[`apis/${gv.group}/${gv.version}`] = { serverRelativeURL: `/openapi/v3/apis/${gv.group}/${gv.version}` };
    return root;
  }) ?? '';

  async function health(kind: 'healthz' | 'livez' | 'readyz', rest: string[], query: URLSearchParams): Promise<ApiResponse> {
    const exclude = new Set(query.getAll('exclude'));
    let checks = deps.healthChecks.filter((c) => !exclude.has(c.name));
    if (rest.length > 0) {
      checks = checks.filter((c) => c.name === rest.join('/'));
      if (checks.length === 0) return errorResponse(errors.notFoundPath());
    }
    const lines: string[] = [];
    let failed = false;
    for (const c of checks) {
      try {
        await c.check();
        lines.push(`[+]${c.name} ok`);
      } catch {
        failed = true;
        lines.push(`[-]${c.name} failed: reason withheld`);
      }
    }
    const verbose = query.has('verbose');
    if (failed) return textResponse(500, `${lines.join('\n')}\n${kind} check failed\n`);
    if (!verbose) return textResponse(200, 'ok');
    return textResponse(200, `${lines.join('\n')}\n${kind} check passed\n`);
  }

  return async function nonResource(req, ctx) {
    const info = ctx.requestInfo;
    const path = info.path.length > 1 ? info.path.replace(/\/+$/, '') : info.path;
    const parts = path.split('/').filter((p) => p !== '');
    const method = req.method.toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') return errorResponse(errors.notFoundPath());
    const accept = headerValue(req.headers, 'accept');
    const [first, second, third] = parts;

    if (first === 'version' && parts.length === 1) return jsonText(200, versionText);
    if ((first === 'healthz' || first === 'livez' || first === 'readyz')) return health(first, parts.slice(1), info.query);
    if (first === 'api' && parts.length === 1) {
      const v = wantsAggregated(accept);
      if (v) return aggregatedResponse('api', v, req);
      return jsonText(200, JSON.stringify(apiVersions(deps.serverAddress(), reg)));
    }
    if (first === 'api' && parts.length === 2 && second) {
      const t = cached(`/api/${second}`, () => apiResourceList('', second, reg));
      return t === null ? errorResponse(errors.notFoundPath()) : jsonText(200, t);
    }
    if (first === 'apis' && parts.length === 1) {
      const v = wantsAggregated(accept);
      if (v) return aggregatedResponse('apis', v, req);
      return jsonText(200, apisText());
    }
    if (first === 'apis' && parts.length === 2 && second) {
      const t = cached(`/apis/${second}`, () => apiGroup(second, reg));
      return t === null ? errorResponse(errors.notFoundPath()) : jsonText(200, t);
    }
    if (first === 'apis' && parts.length === 3 && second && third) {
      const t = cached(`/apis/${second}/${third}`, () => apiResourceList(second, third, reg));
      return t === null ? errorResponse(errors.notFoundPath()) : jsonText(200, t);
    }
    if (first === 'openapi' && second === 'v2' && parts.length === 2) {
      if (openapiV2ProtoTypes.some((t) => accepts(accept, t))) return { status: 200, headers: { 'content-type': openapiV2ProtoReply, vary: 'Accept' }, body: v2Proto() };
      return jsonText(200, v2Json());
    }
    if (first === 'openapi' && second === 'v3') {
      if (parts.length === 2) return jsonText(200, v3Root());
      const gv = parts.slice(2).join('/');
      const t = cached(`openapi/v3/${gv}`, () => openapiV3GroupVersion(gv, reg.local()));
      return t === null ? errorResponse(errors.notFoundPath()) : jsonText(200, t);
    }
    return errorResponse(errors.notFoundPath());
  };
}
