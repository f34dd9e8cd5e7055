// Every REST endpoint a-kube serves, derived from the catalog, in a form both OpenAPI writers (v2 and v3) render.
import type { ResourceInfo, SubresourceInfo } from '../resource-info.js';
import { definitionForKind, type GroupVersionKind } from './definitions.js';
import { deleteParams, listParams, param, subresourceParams, watchParam, writeParams, type ParamSpec } from './parameters.js';

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';
export type Action = 'get' | 'list' | 'watch' | 'watchlist' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection' | 'connect';

/** A response or body: an OpenAPI definition by name, or a plain string (logs, streams). */
export type Payload = { definition: string } | { string: true };

export interface OperationSpec {
  method: HttpMethod;
  operationId: string;
  description: string;
  tag: string;
  /** Absent for the discovery endpoints. */
  action?: Action;
  gvk?: GroupVersionKind;
  parameters: ParamSpec[];
  body?: Payload;
  bodyRequired?: boolean;
  response: Payload;
  /** Success codes besides 200. */
  alsoCodes: Array<'201' | '202'>;
  consumes: string[];
  produces: string[];
}

export interface PathSpec {
  path: string;
  /** "api/v1", "apis/apps/v1"; "" for the root discovery paths. */
  groupVersionPath: string;
  parameters: ParamSpec[];
  operations: OperationSpec[];
}

const objectMediaTypes = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/cbor'];
const watchMediaTypes = [...objectMediaTypes, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch', 'application/cbor-seq'];
const patchMediaTypes = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml', 'application/apply-patch+cbor'];
const anyMediaType = ['*/*'];
const statusDef = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';
const deleteOptionsDef = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';
const patchDef = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';
const watchEventDef = 'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent';

export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** "rbac.authorization.k8s.io" → "RbacAuthorization", "" → "Core" (Kubernetes' operationId and tag naming). */
function groupWord(group: string): string {
  if (group === '') return 'Core';
  return group.replace(/\.k8s\.io$/, '').split('.').map(capitalize).join('');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function tagOf(group: string, version: string): string {
  const word = groupWord(group);
  return `${word.charAt(0).toLowerCase()}${word.slice(1)}_${version}`;
}

const def = (name: string): Payload => ({ definition: name });
const text: Payload = { string: true };

interface Context {
  r: ResourceInfo;
  gv: string; // "CoreV1"
  tag: string;
  kindDef: Payload;
  gvk: GroupVersionKind;
}

function op(ctx: Context, fields: Omit<OperationSpec, 'tag' | 'gvk' | 'consumes' | 'produces' | 'alsoCodes'> & Partial<Pick<OperationSpec, 'gvk' | 'consumes' | 'produces' | 'alsoCodes'>>): OperationSpec {
  return { tag: ctx.tag, gvk: ctx.gvk, consumes: anyMediaType, produces: objectMediaTypes, alsoCodes: [], ...fields };
}

function resourcePaths(r: ResourceInfo): PathSpec[] {
  const gvPath = groupVersionPath(r.group, r.version);
  const ctx: Context = {
    r,
    gv: `${groupWord(r.group)}${capitalize(r.version)}`,
    tag: tagOf(r.group, r.version),
    kindDef: def(r.definition),
    gvk: { group: r.group, version: r.version, kind: r.kind },
  };
  const listDef = definitionForKind({ group: r.group, version: r.version, kind: r.listKind });
  const ns = r.namespaced ? 'Namespaced' : '';
  const scope = r.namespaced ? `/namespaces/{namespace}/${r.resource}` : `/${r.resource}`;
  const scopeParams = r.namespaced ? [param.namespace] : [];
  const has = (v: string) => (r.verbs as string[]).includes(v);
  const out: PathSpec[] = [];

  const collection: OperationSpec[] = [];
  if (has('list') && listDef) {
    collection.push(op(ctx, { method: 'get', action: 'list', operationId: `list${ctx.gv}${ns}${r.kind}`, description: `list or watch objects of kind ${r.kind}`, parameters: [...listParams, watchParam], response: def(listDef), produces: watchMediaTypes }));
  }
  if (has('create')) {
    collection.push(op(ctx, { method: 'post', action: 'post', operationId: `create${ctx.gv}${ns}${r.kind}`, description: `create a ${r.kind}`, parameters: writeParams, body: ctx.kindDef, bodyRequired: true, response: ctx.kindDef, alsoCodes: ['201', '202'] }));
  }
  if (has('deletecollection')) {
    collection.push(op(ctx, { method: 'delete', action: 'deletecollection', operationId: `delete${ctx.gv}Collection${ns}${r.kind}`, description: `delete collection of ${r.kind}`, parameters: [...deleteParams, ...listParams], body: def(deleteOptionsDef), response: def(statusDef) }));
  }
  if (collection.length > 0) out.push({ path: `/${gvPath}${scope}`, groupVersionPath: gvPath, parameters: [...scopeParams, param.pretty], operations: collection });

  const item: OperationSpec[] = [];
  if (has('get')) item.push(op(ctx, { method: 'get', action: 'get', operationId: `read${ctx.gv}${ns}${r.kind}`, description: `read the specified ${r.kind}`, parameters: [], response: ctx.kindDef }));
  if (has('update')) item.push(op(ctx, { method: 'put', action: 'put', operationId: `replace${ctx.gv}${ns}${r.kind}`, description: `replace the specified ${r.kind}`, parameters: writeParams, body: ctx.kindDef, bodyRequired: true, response: ctx.kindDef, alsoCodes: ['201'] }));
  if (has('patch')) item.push(patchOp(ctx, `patch${ctx.gv}${ns}${r.kind}`, `partially update the specified ${r.kind}`, ctx.kindDef, ctx.gvk));
  if (has('delete')) item.push(op(ctx, { method: 'delete', action: 'delete', operationId: `delete${ctx.gv}${ns}${r.kind}`, description: `delete a ${r.kind}`, parameters: deleteParams, body: def(deleteOptionsDef), response: def(statusDef), alsoCodes: ['202'] }));
  if (item.length > 0) out.push({ path: `/${gvPath}${scope}/{name}`, groupVersionPath: gvPath, parameters: [param.name(r.kind), ...scopeParams, param.pretty], operations: item });

  if (r.namespaced && has('list') && listDef) {
    out.push({ path: `/${gvPath}/${r.resource}`, groupVersionPath: gvPath, parameters: [...listParams, param.pretty, watchParam], operations: [
      op(ctx, { method: 'get', action: 'list', operationId: `list${ctx.gv}${r.kind}ForAllNamespaces`, description: `list or watch objects of kind ${r.kind}`, parameters: [], response: def(listDef), produces: watchMediaTypes }),
    ] });
  }
  if (has('watch')) {
    const watchOp = (action: Action, operationId: string, description: string): OperationSpec =>
      op(ctx, { method: 'get', action, operationId, description, parameters: [], response: def(watchEventDef), produces: watchMediaTypes });
    const watchPathParams = [...listParams, param.pretty, watchParam];
    out.push({ path: `/${gvPath}/watch${scope}`, groupVersionPath: gvPath, parameters: [...scopeParams, ...watchPathParams], operations: [watchOp('watchlist', `watch${ctx.gv}${ns}${r.kind}List`, `watch individual changes to a list of ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead.`)] });
    out.push({ path: `/${gvPath}/watch${scope}/{name}`, groupVersionPath: gvPath, parameters: [param.name(r.kind), ...scopeParams, ...watchPathParams], operations: [watchOp('watch', `watch${ctx.gv}${ns}${r.kind}`, `watch changes to an object of kind ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`)] });
    if (r.namespaced) {
      out.push({ path: `/${gvPath}/watch/${r.resource}`, groupVersionPath: gvPath, parameters: watchPathParams, operations: [watchOp('watchlist', `watch${ctx.gv}${r.kind}ListForAllNamespaces`, `watch individual changes to a list of ${r.kind}. deprecated: use the 'watch' parameter with a list operation instead.`)] });
    }
  }
  for (const sub of r.subresources ?? []) out.push(...subresourcePaths(ctx, sub, `/${gvPath}${scope}/{name}/${sub.name}`, scopeParams));
  return out;
}

function patchOp(ctx: Context, operationId: string, description: string, payload: Payload, gvk: GroupVersionKind): OperationSpec {
  const consumes = ctx.r.noStrategicMerge ? patchMediaTypes.filter((t) => t !== 'application/strategic-merge-patch+json') : patchMediaTypes;
  return op(ctx, { method: 'patch', action: 'patch', operationId, description, gvk, parameters: [...writeParams, param.force], body: def(patchDef), bodyRequired: true, response: payload, alsoCodes: ['201'], consumes });
}

const isConnect = (sub: SubresourceInfo) => sub.kind.endsWith('Options');
const connectMethods: Record<string, HttpMethod> = { get: 'get', create: 'post', update: 'put', patch: 'patch', delete: 'delete' };

function subresourcePaths(ctx: Context, sub: SubresourceInfo, path: string, scopeParams: ParamSpec[]): PathSpec[] {
  const { r } = ctx;
  const gvPath = groupVersionPath(r.group, r.version);
  const ns = r.namespaced ? 'Namespaced' : '';
  const subWord = capitalize(sub.name);
  const gvk: GroupVersionKind = { group: sub.group ?? r.group, version: sub.version ?? r.version, kind: sub.kind };
  const subCtx: Context = { ...ctx, gvk };
  const pathParams = [param.name(sub.name === 'proxy' ? `${r.kind}Proxy` : r.kind), ...scopeParams];

  if (isConnect(sub)) {
    const make = (withPath: boolean): PathSpec => ({
      path: withPath ? `${path}/{path}` : path,
      groupVersionPath: gvPath,
      parameters: withPath ? [param.name(`${r.kind}Proxy`), ...scopeParams, param.path] : [...pathParams, ...(subresourceParams[sub.name] ?? [])],
      operations: sub.verbs.flatMap((verb) => {
        const method = connectMethods[verb];
        if (!method) return [];
        const methodWord = capitalize(method);
        return [op(subCtx, { method, action: 'connect', operationId: `connect${ctx.gv}${methodWord}${ns}${r.kind}${subWord}${withPath ? 'WithPath' : ''}`, description: `connect ${method.toUpperCase()} requests to ${sub.name} of ${r.kind}`, parameters: withPath ? (subresourceParams[sub.name] ?? []) : [], response: text, consumes: anyMediaType, produces: anyMediaType })];
      }),
    });
    return sub.name === 'proxy' ? [make(false), make(true)] : [make(false)];
  }

  if (sub.name === 'log') {
    return [{ path, groupVersionPath: gvPath, parameters: [...pathParams, ...(subresourceParams['log'] ?? []), param.pretty], operations: [
      op(subCtx, { method: 'get', action: 'get', operationId: `read${ctx.gv}${ns}${r.kind}Log`, description: `read log of the specified ${r.kind}`, parameters: [], response: text, produces: ['text/plain', 'application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'] }),
    ] }];
  }

  const subDef = definitionForKind(gvk) ?? (gvk.kind === r.kind ? r.definition : undefined);
  if (!subDef) return [];
  const payload = def(subDef);
  const ops: OperationSpec[] = [];
  for (const verb of sub.verbs) {
    const base = `${ctx.gv}${ns}${r.kind}${subWord}`;
    switch (verb) {
      case 'get': ops.push(op(subCtx, { method: 'get', action: 'get', operationId: `read${base}`, description: `read ${sub.name} of the specified ${r.kind}`, parameters: [], response: payload })); break;
      case 'update': ops.push(op(subCtx, { method: 'put', action: 'put', operationId: `replace${base}`, description: `replace ${sub.name} of the specified ${r.kind}`, parameters: writeParams, body: payload, bodyRequired: true, response: payload, alsoCodes: ['201'] })); break;
      case 'patch': ops.push(patchOp(subCtx, `patch${base}`, `partially update ${sub.name} of the specified ${r.kind}`, payload, gvk)); break;
      case 'create': ops.push(op(subCtx, { method: 'post', action: 'post', operationId: `create${base}`, description: `create ${sub.name} of a ${r.kind}`, parameters: writeParams, body: payload, bodyRequired: true, response: payload, alsoCodes: ['201', '202'] })); break;
      default: break;
    }
  }
  return ops.length > 0 ? [{ path, groupVersionPath: gvPath, parameters: [...pathParams, param.pretty], operations: ops }] : [];
}

function discoveryPaths(resources: readonly ResourceInfo[]): PathSpec[] {
  const resourceList = (gvPath: string, group: string, version: string): PathSpec => ({
    path: `/${gvPath}/`, groupVersionPath: gvPath, parameters: [], operations: [{
      method: 'get', operationId: `get${groupWord(group)}${capitalize(version)}APIResources`, description: 'get available resources', tag: tagOf(group, version),
      parameters: [], response: def('io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList'), alsoCodes: [], consumes: ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/cbor'], produces: ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/cbor'],
    }],
  });
  const seen = new Set<string>();
  const out: PathSpec[] = [];
  for (const r of resources) {
    const gvPath = groupVersionPath(r.group, r.version);
    if (seen.has(gvPath)) continue;
    seen.add(gvPath);
    out.push(resourceList(gvPath, r.group, r.version));
  }
  return out;
}

const cached = new WeakMap<readonly ResourceInfo[], PathSpec[]>();

/** All endpoints of these resources (the served list of a ResourceRegistry), sorted by path as Kubernetes lists them. */
export function endpoints(resources: readonly ResourceInfo[]): readonly PathSpec[] {
  let hit = cached.get(resources);
  if (!hit) {
    hit = [...discoveryPaths(resources), ...resources.flatMap(resourcePaths)].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    cached.set(resources, hit);
  }
  return hit;
}

/** The definitions the endpoints mention (bodies and responses). */
export function endpointDefinitions(paths: readonly PathSpec[]): string[] {
  const names = new Set<string>();
  for (const p of paths) for (const o of p.operations) {
    for (const payload of [o.body, o.response]) if (payload && 'definition' in payload) names.add(payload.definition);
  }
  return [...names];
}
