// The last stage: non-resource paths to their endpoints, resource requests to the verb handlers.
import type { AdmissionPlugin } from '../admission/types.js';
import type { ResourceRegistry } from '../api/resource-registry.js';
import type { ResourceInfo } from '../api/resource-info.js';
import { handleBinding } from './binding.js';
import { handleEviction } from './eviction.js';
import { getObject, listObjects } from './handlers/read.js';
import { patchObject } from './handlers/patch.js';
import { watchObjects, type WatchSettings } from './handlers/watch.js';
import { createObject, deleteCollection, deleteObject, updateObject } from './handlers/write.js';
import type { ResourceRequestInfo } from './request-info.js';
import { handleScale } from './scale.js';
import type { ResourceScope } from './scope.js';
import { errors } from '../api/status.js';
import type { StoreRegistry } from './stores.js';
import type { ApiRequest, ApiResponse, Handler, RequestContext } from './types.js';

/** What a handler registered for a resource or subresource gets. */
export interface CustomScope {
  req: ApiRequest;
  ctx: RequestContext;
  info: ResourceRequestInfo;
  resource: ResourceInfo;
  now: () => Date;
  /** The Store of a stored resource (for subresources: the parent's). */
  store(): Promise<import('../registry/store.js').Store>;
  /** The admission plugins (CONNECT subresources run the dynamic ones, see admission.ts admitConnect). */
  admission?: readonly import('../admission/types.js').AdmissionPlugin[];
}

export type CustomHandler = (scope: CustomScope) => Promise<ApiResponse>;

export interface RouterDeps {
  /** What is served now (built-ins and custom resources). */
  registry: ResourceRegistry;
  stores: StoreRegistry;
  nonResource: Handler;
  watch: WatchSettings;
  now: () => Date;
  subresources: Map<string, CustomHandler>;
  resources: Map<string, CustomHandler>;
  /** Admission plugins every write goes through (registered at wiring time). */
  admission?: readonly AdmissionPlugin[];
}

export function handlerKey(group: string, resource: string, subresource = ''): string {
  return `${group}/${resource}/${subresource}`;
}

function notAllowed(verb: string, r: ResourceInfo): never {
  throw errors.methodNotAllowed(verb, { group: r.group, resource: r.resource });
}

export function createRouter(deps: RouterDeps): Handler {
  return async function route(req, ctx) {
    const info = ctx.requestInfo;
    if (!info.isResourceRequest) return deps.nonResource(req, ctx);
    const resource = deps.registry.find(info.apiGroup, info.apiVersion, info.resource);
    if (!resource) throw errors.notFoundPath();
    const isNamespacesResource = resource.group === '' && resource.resource === 'namespaces';
    if (!resource.namespaced && info.namespace && !isNamespacesResource) throw errors.notFoundPath();
    const collectionVerb = info.verb === 'list' || info.verb === 'watch';
    if (resource.namespaced && !info.namespace && !collectionVerb) throw errors.notFoundPath();
    if (info.rest.length > 0 && info.subresource !== 'proxy') throw errors.notFoundPath();

    const custom: CustomScope = {
      req,
      ctx,
      info,
      resource,
      now: deps.now,
      store: () => deps.stores.storeFor(resource),
      ...(deps.admission ? { admission: deps.admission } : {}),
    };
    if (info.subresource) {
      const sub = (resource.subresources ?? []).find((x) => x.name === info.subresource);
      const registered = deps.subresources.get(handlerKey(resource.group, resource.resource, info.subresource));
      if (registered) return registered(custom);
      if (!sub) throw errors.notFoundPath();
      const scope = await resourceScope(custom, deps);
      if (!sub.verbs.includes(info.verb)) notAllowed(info.verb, { ...resource, resource: `${resource.resource}/${sub.name}` });
      switch (sub.name) {
        case 'status':
          if (info.verb === 'get') return getObject(scope);
          if (info.verb === 'update') return updateObject(scope, 'status');
          return patchObject(scope, { expected: resource, subresource: 'status' });
        case 'ephemeralcontainers':
          // The whole Pod in and out; the store keeps everything but spec.ephemeralContainers.
          if (info.verb === 'get') return getObject(scope);
          if (info.verb === 'update') return updateObject(scope, 'ephemeralcontainers');
          return patchObject(scope, { expected: resource, subresource: 'ephemeralcontainers' });
        case 'scale':
          return handleScale(scope);
        case 'finalize':
          return updateObject(scope, 'finalize');
        case 'binding':
          return handleBinding(scope, scope.store, info.urlName);
        case 'eviction': {
          const pdbs = deps.registry.find('policy', 'v1', 'poddisruptionbudgets');
          if (!pdbs) throw errors.notFoundPath();
          return handleEviction(scope, await deps.stores.storeFor(pdbs));
        }
        default: {
          // Update subresources the kind's strategy defines (certificatesigningrequests/approval).
          const rules = scope.store.strategy.updateSubresources;
          if (sub.name !== 'approval' || !rules || !Object.hasOwn(rules, sub.name)) throw errors.notFoundPath();
          if (info.verb === 'get') return getObject(scope);
          if (info.verb === 'update') return updateObject(scope, 'approval');
          return patchObject(scope, { expected: resource, subresource: 'approval' });
        }
      }
    }

    const registered = deps.resources.get(handlerKey(resource.group, resource.resource));
    if (registered) return registered(custom);
    if (!(resource.verbs as string[]).includes(info.verb)) notAllowed(info.verb, resource);
    if (resource.group === '' && resource.resource === 'bindings') {
      const pods = deps.registry.find('', 'v1', 'pods');
      if (!pods) throw errors.notFoundPath();
      const scope = await resourceScope(custom, deps);
      return handleBinding(scope, await deps.stores.storeFor(pods), undefined);
    }
    if (resource.verbs.length === 1 && resource.verbs[0] === 'create') {
      // Review-style kinds are answered by registered handlers, never stored.
      throw errors.notFoundPath();
    }
    const scope = await resourceScope(custom, deps);
    switch (info.verb) {
      case 'get': return getObject(scope);
      case 'list': return listObjects(scope);
      case 'watch': return watchObjects(scope, deps.watch);
      case 'create':
        if (info.urlName) throw errors.methodNotAllowed('create', { group: resource.group, resource: resource.resource });
        return createObject(scope);
      case 'update':
      case 'patch':
        // PUT and PATCH address one object; on a collection URL there is no such route (405, as go-restful answers).
        if (!info.urlName) throw errors.methodNotAllowed(info.verb, { group: resource.group, resource: resource.resource });
        return info.verb === 'update' ? updateObject(scope) : patchObject(scope);
      case 'delete': return deleteObject(scope);
      case 'deletecollection': return deleteCollection(scope);
      default: return notAllowed(info.verb || req.method.toLowerCase(), resource);
    }
  };
}

async function resourceScope(c: CustomScope, deps: RouterDeps): Promise<ResourceScope> {
  return { req: c.req, ctx: c.ctx, info: c.info, resource: c.resource, now: deps.now, store: await deps.stores.storeFor(c.resource), ...(deps.admission ? { admission: deps.admission } : {}) };
}
