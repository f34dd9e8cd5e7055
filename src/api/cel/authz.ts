// The `authorizer` variable of admission CEL (webhook matchConditions, ValidatingAdmissionPolicies), as
// Kubernetes' authz library defines it: `authorizer.path(p)` and `authorizer.group(g).resource(r)` with
// `.subresource(s)`, `.namespace(ns)`, `.name(n)`, `.fieldSelector(s)`, `.labelSelector(s)` build a check;
// `.check(verb)` asks the API server's authorizer for the request's user and gives a Decision (`allowed()`,
// `reason()`, `errored()`, `error()`). `authorizer.serviceAccount(ns, name)` asks for a service account instead,
// and `authorizer.requestResource` is the check of the request's own resource. A check built with
// `group(g).resource(r)` is for every version (`*`); the request's check carries its version. Selectors are kept
// on the check but not passed on: the authorizers this server runs (Node, RBAC) decide without them, as they do
// in Kubernetes. Decisions are cached per request value, so an expression that repeats a check asks once.
import type { Environment } from '@marcbachmann/cel-js';

/** The identity a check is made for (the shape of auth's UserInfo; api does not import auth). */
export interface CelAuthzUser {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** One authorization question (the shape of auth's Attributes). */
export interface CelAuthzAttributes {
  user: CelAuthzUser;
  verb: string;
  resourceRequest: boolean;
  namespace: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  name: string;
  path: string;
}

export type CelAuthorize = (attrs: CelAuthzAttributes) => Promise<{ decision: 'allow' | 'deny' | 'no-opinion'; reason: string }>;

/** The request whose resource `authorizer.requestResource` names. */
export interface CelRequestResource {
  group: string;
  version: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

/** Distinct checks one request may make before further ones are refused (each costs an authorizer call). */
const maxChecksPerRequest = 1000;

class Session {
  readonly #cache = new Map<string, Promise<Decision>>();
  constructor(readonly authorize: CelAuthorize) {}

  check(attrs: CelAuthzAttributes): Promise<Decision> {
    const key = JSON.stringify([attrs.user.name, attrs.user.uid ?? '', attrs.user.groups, attrs.user.extra ?? {}, attrs.verb, attrs.resourceRequest, attrs.namespace, attrs.apiGroup, attrs.apiVersion, attrs.resource, attrs.subresource, attrs.name, attrs.path]);
    const hit = this.#cache.get(key);
    if (hit) return hit;
    if (this.#cache.size >= maxChecksPerRequest) return Promise.resolve(new Decision('no-opinion', '', `too many authorization checks in one request (more than ${maxChecksPerRequest})`));
    const p = this.authorize(attrs).then(
      (d) => new Decision(d.decision, d.reason, ''),
      (e: unknown) => new Decision('no-opinion', '', e instanceof Error ? e.message : String(e)),
    );
    this.#cache.set(key, p);
    return p;
  }
}

export class Authorizer {
  constructor(
    readonly session: Session,
    readonly user: CelAuthzUser,
    readonly requestResource: ResourceCheck | null,
  ) {}
}

export class PathCheck {
  constructor(
    readonly authorizer: Authorizer,
    readonly path: string,
  ) {}
}

export class GroupCheck {
  constructor(
    readonly authorizer: Authorizer,
    readonly group: string,
  ) {}
}

export class ResourceCheck {
  constructor(
    readonly authorizer: Authorizer,
    readonly group: string,
    readonly version: string,
    readonly resource: string,
    readonly subresource = '',
    readonly namespace = '',
    readonly name = '',
    readonly fieldSelector = '',
    readonly labelSelector = '',
  ) {}

  with(change: Partial<Pick<ResourceCheck, 'subresource' | 'namespace' | 'name' | 'fieldSelector' | 'labelSelector'>>): ResourceCheck {
    const c = { subresource: this.subresource, namespace: this.namespace, name: this.name, fieldSelector: this.fieldSelector, labelSelector: this.labelSelector, ...change };
    return new ResourceCheck(this.authorizer, this.group, this.version, this.resource, c.subresource, c.namespace, c.name, c.fieldSelector, c.labelSelector);
  }
}

export class Decision {
  constructor(
    readonly decision: 'allow' | 'deny' | 'no-opinion',
    readonly reason: string,
    /** The authorizer's error, or ''. */
    readonly error: string,
  ) {}
}

const T = {
  authorizer: 'kubernetes.authorization.Authorizer',
  path: 'kubernetes.authorization.PathCheck',
  group: 'kubernetes.authorization.GroupCheck',
  resource: 'kubernetes.authorization.ResourceCheck',
  decision: 'kubernetes.authorization.Decision',
} as const;

function serviceAccountUser(namespace: string, name: string): CelAuthzUser {
  return { name: `system:serviceaccount:${namespace}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`] };
}

function checkResource(rc: ResourceCheck, verb: string): Promise<Decision> {
  const a = rc.authorizer;
  return a.session.check({ user: a.user, verb, resourceRequest: true, namespace: rc.namespace, apiGroup: rc.group, apiVersion: rc.version, resource: rc.resource, subresource: rc.subresource, name: rc.name, path: '' });
}

function checkPath(pc: PathCheck, verb: string): Promise<Decision> {
  const a = pc.authorizer;
  return a.session.check({ user: a.user, verb, resourceRequest: false, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '', path: pc.path });
}

/** Declares the library's types, functions and the `authorizer` variable in an environment. */
export function withAuthzLibrary(env: Environment): Environment {
  const rc = (name: string, change: (r: ResourceCheck, v: string) => ResourceCheck) => env.registerFunction(`${T.resource}.${name}(string): ${T.resource}`, change);
  env = env
    .registerType(T.authorizer, { ctor: Authorizer, fields: { requestResource: T.resource } })
    .registerType(T.path, { ctor: PathCheck, fields: {} })
    .registerType(T.group, { ctor: GroupCheck, fields: {} })
    .registerType(T.resource, { ctor: ResourceCheck, fields: {} })
    .registerType(T.decision, { ctor: Decision, fields: {} });
  env = env
    .registerFunction(`${T.authorizer}.path(string): ${T.path}`, (a: Authorizer, p: string) => new PathCheck(a, p))
    .registerFunction(`${T.authorizer}.group(string): ${T.group}`, (a: Authorizer, g: string) => new GroupCheck(a, g))
    .registerFunction(`${T.authorizer}.serviceAccount(string, string): ${T.authorizer}`, (a: Authorizer, ns: string, n: string) => new Authorizer(a.session, serviceAccountUser(ns, n), null))
    .registerFunction(`${T.group}.resource(string): ${T.resource}`, (g: GroupCheck, r: string) => new ResourceCheck(g.authorizer, g.group, '*', r));
  env = rc('subresource', (r, v) => r.with({ subresource: v }));
  env = rc('namespace', (r, v) => r.with({ namespace: v }));
  env = rc('name', (r, v) => r.with({ name: v }));
  env = rc('fieldSelector', (r, v) => r.with({ fieldSelector: v }));
  env = rc('labelSelector', (r, v) => r.with({ labelSelector: v }));
  return env
    .registerFunction(`${T.resource}.check(string): ${T.decision}`, checkResource)
    .registerFunction(`${T.path}.check(string): ${T.decision}`, checkPath)
    .registerFunction(`${T.decision}.allowed(): bool`, (d: Decision) => d.decision === 'allow')
    .registerFunction(`${T.decision}.reason(): string`, (d: Decision) => d.reason)
    .registerFunction(`${T.decision}.errored(): bool`, (d: Decision) => d.error !== '')
    .registerFunction(`${T.decision}.error(): string`, (d: Decision) => d.error)
    .registerVariable('authorizer', T.authorizer);
}

/** The `authorizer` value of one request: checks for its user, `requestResource` for its resource. */
export function authorizerFor(authorize: CelAuthorize, user: CelAuthzUser, request: CelRequestResource): Authorizer {
  const session = new Session(authorize);
  const a = new Authorizer(session, user, null);
  const rr = new ResourceCheck(a, request.group, request.version, request.resource, request.subresource, request.namespace, request.name);
  return new Authorizer(session, user, rr);
}
