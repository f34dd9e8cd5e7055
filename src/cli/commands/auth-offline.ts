// `auth can-i|who-can|risks --offline -f DIR|FILE…`: RBAC objects read from files, on top of the policy a new a-kube
// cluster starts with, held in the API server's own RBAC index and decided by the API server's own authorizer chain
// (src/auth/authz). No cluster is contacted.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { isRecord, type KubeObject } from '../../api/object.js';
import { compareVersionPriority } from '../../api/version-priority.js';
import { maxJsonDepth } from '../../api/json-depth.js';
import { yamlMayNestDeeperThan } from '../../api/yaml-depth.js';
import { settleAggregation } from '../../auth/authz/aggregation.js';
import { clusterAuthorizer } from '../../auth/authz/cluster-authorizer.js';
import { NodeGraph } from '../../auth/authz/node-graph.js';
import { RbacIndex, type RbacKind } from '../../auth/authz/rbac-index.js';
import { toBinding, toRole } from '../../auth/authz/rbac-types.js';
import { impersonatedUser } from '../../auth/impersonated-user.js';
import type { Authorizer, UserInfo } from '../../auth/types.js';
import { systemNamespaces } from '../../cluster/bootstrap.js';
import { clusterStartPolicy } from '../../cluster/rbac-policy.js';
import type { CommandContext } from '../command.js';
import { CliError } from '../errors.js';
import type { RbacData } from '../../auth/analysis/rbac-data.js';
import type { DiscoveredResource } from '../../client/discovery.js';

const rbacVersion = 'rbac.authorization.k8s.io/v1';
const rbacKinds: Record<string, { namespaced: boolean }> = { Role: { namespaced: true }, ClusterRole: { namespaced: false }, RoleBinding: { namespaced: true }, ClusterRoleBinding: { namespaced: false } };
const manifestExtensions = new Set(['.json', '.yaml', '.yml']);

/** The RBAC objects and service accounts one evaluation sees, and the server's authorizer over them. */
export interface OfflinePolicy {
  index: RbacIndex;
  authorizer: Authorizer;
  /** Every object by kind, cluster roles with their aggregated rules filled in. */
  objects: Record<RbacKind, KubeObject[]>;
  /** Service accounts per namespace: those in the files, and `default` in every namespace (the controller makes it). */
  serviceAccounts: Map<string, Set<string>>;
  /** The resources the files' CustomResourceDefinitions define (so can-i resolves their names as a cluster would). */
  customResources: DiscoveredResource[];
}

/** Where one object came from, for error messages: `FILE: document 2` or `FILE: document 1, item 3`. */
interface Located {
  where: string;
  value: unknown;
}

function filesUnder(path: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 64) throw new CliError(`${dir}: directories nested more than 64 deep`);
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p, depth + 1);
      else if (manifestExtensions.has(extname(name))) out.push(p);
    }
  };
  walk(path, 0);
  return out;
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

/** Every object of a YAML or JSON stream, List kinds expanded, each with its place. */
async function documentsOf(text: string, source: string): Promise<Located[]> {
  const [{ parseAllDocuments }, { kubeYamlOptions }] = await Promise.all([import('yaml'), import('../../client/yaml.js')]);
  if (yamlMayNestDeeperThan(text, maxJsonDepth)) throw new CliError(`${source}: YAML nested more than ${maxJsonDepth} levels deep`);
  const parsed = parseAllDocuments(text, kubeYamlOptions);
  const docs = Array.isArray(parsed) ? parsed : [parsed];
  const out: Located[] = [];
  docs.forEach((doc, i) => {
    const where = `${source}: document ${i + 1}`;
    if (doc.errors.length > 0) throw new CliError(`${where}: ${doc.errors[0]?.message.split('\n')[0]?.replace(/:$/, '') ?? 'invalid YAML'}`);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw new CliError(`${where}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (value === null || value === undefined) return;
    if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
      value.items.forEach((item, j) => out.push({ where: `${where}, item ${j + 1}`, value: item }));
    } else out.push({ where, value });
  });
  return out;
}

/** Objects from files, directories (searched recursively for .yaml, .yml and .json) and "-" (standard input). */
export async function readPolicyFiles(paths: readonly string[], stdin: NodeJS.ReadableStream): Promise<Located[]> {
  const out: Located[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(...(await documentsOf(await readStdin(stdin), 'STDIN')));
      continue;
    }
    if (!existsSync(p)) throw new CliError(`the path "${p}" does not exist`);
    const files = statSync(p).isDirectory() ? filesUnder(p) : [p];
    for (const f of files) out.push(...(await documentsOf(readFileSync(f, 'utf8'), f)));
  }
  return out;
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** kube-apiserver's validation of the fields RBAC reads, worded as its field errors; "" when the object is fine. */
function rbacProblem(kind: string, obj: Record<string, unknown>, namespaced: boolean): string {
  if (kind === 'Role' || kind === 'ClusterRole') {
    const rules = obj.rules;
    if (rules !== undefined && rules !== null && !Array.isArray(rules)) return 'rules: must be a list';
    for (const [i, rule] of (Array.isArray(rules) ? rules : []).entries()) {
      const at = `rules[${i}]`;
      if (!isRecord(rule)) return `${at}: must be an object`;
      for (const f of ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs']) {
        if (rule[f] !== undefined && rule[f] !== null && !isStringList(rule[f])) return `${at}.${f}: must be a list of strings`;
      }
      const len = (f: string) => (Array.isArray(rule[f]) ? (rule[f] as unknown[]).length : 0);
      if (len('verbs') === 0) return `${at}.verbs: Required value: verbs must contain at least one value`;
      if (len('nonResourceURLs') > 0) {
        if (namespaced) return `${at}.nonResourceURLs: Invalid value: ${JSON.stringify(rule.nonResourceURLs)}: namespaced rules cannot apply to non-resource URLs`;
        if (len('apiGroups') > 0 || len('resources') > 0) return `${at}.nonResourceURLs: Invalid value: ${JSON.stringify(rule.nonResourceURLs)}: rules cannot apply to both regular resources and non-resource URLs`;
        continue;
      }
      if (len('apiGroups') === 0) return `${at}.apiGroups: Required value: resource rules must supply at least one api group`;
      if (len('resources') === 0) return `${at}.resources: Required value: resource rules must supply at least one resource`;
    }
    const agg = obj.aggregationRule;
    if (agg !== undefined && agg !== null) {
      if (kind === 'Role') return 'aggregationRule: Forbidden: only ClusterRoles may aggregate';
      if (!isRecord(agg) || !Array.isArray(agg.clusterRoleSelectors)) return 'aggregationRule.clusterRoleSelectors: must be a list';
      if (agg.clusterRoleSelectors.length === 0) return 'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil';
      for (const [i, s] of agg.clusterRoleSelectors.entries()) if (!isRecord(s)) return `aggregationRule.clusterRoleSelectors[${i}]: must be a label selector`;
    }
    return '';
  }
  const ref = obj.roleRef;
  if (!isRecord(ref)) return 'roleRef: Required value';
  if (ref.apiGroup !== 'rbac.authorization.k8s.io') return `roleRef.apiGroup: Unsupported value: ${JSON.stringify(ref.apiGroup ?? '')}: supported values: "rbac.authorization.k8s.io"`;
  const kinds = kind === 'RoleBinding' ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (typeof ref.kind !== 'string' || !kinds.includes(ref.kind)) return `roleRef.kind: Unsupported value: ${JSON.stringify(ref.kind ?? '')}: supported values: ${kinds.map((k) => JSON.stringify(k)).join(', ')}`;
  if (typeof ref.name !== 'string' || ref.name === '') return 'roleRef.name: Required value';
  const subjects = obj.subjects;
  if (subjects !== undefined && subjects !== null && !Array.isArray(subjects)) return 'subjects: must be a list';
  for (const [i, s] of (Array.isArray(subjects) ? subjects : []).entries()) {
    const at = `subjects[${i}]`;
    if (!isRecord(s)) return `${at}: must be an object`;
    if (typeof s.name !== 'string' || s.name === '') return `${at}.name: Required value`;
    if (s.namespace !== undefined && typeof s.namespace !== 'string') return `${at}.namespace: must be a string`;
    switch (s.kind) {
      case 'ServiceAccount':
        if (!namespaced && !s.namespace) return `${at}.namespace: Required value`;
        break;
      case 'User':
      case 'Group':
        break;
      default:
        return `${at}.kind: Unsupported value: ${JSON.stringify(s.kind ?? '')}: supported values: "ServiceAccount", "User", "Group"`;
    }
  }
  return '';
}

/** The served versions of a CustomResourceDefinition as discovery would list them (the highest-priority one preferred). */
function crdResources(crd: Record<string, unknown>): DiscoveredResource[] {
  const spec = isRecord(crd.spec) ? crd.spec : {};
  const names = isRecord(spec.names) ? spec.names : {};
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const group = str(spec.group);
  const plural = str(names.plural);
  if (!group || !plural) return [];
  const versions = (Array.isArray(spec.versions) ? spec.versions : []).filter((v): v is Record<string, unknown> => isRecord(v) && v.served === true && typeof v.name === 'string');
  const preferred = versions.map((v) => str(v.name)).sort(compareVersionPriority)[0];
  return versions.map((v) => ({
    group,
    version: str(v.name),
    resource: plural,
    singularName: str(names.singular) || plural,
    kind: str(names.kind),
    namespaced: spec.scope !== 'Cluster',
    verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
    shortNames: isStringList(names.shortNames) ? names.shortNames : [],
    categories: isStringList(names.categories) ? names.categories : [],
    preferred: v.name === preferred,
  }));
}

/**
 * The policy a new cluster starts with, then every object of the files in order (a later object of the same kind,
 * namespace and name replaces an earlier one, as applying them one after the other would). Objects of other kinds
 * are skipped; `defaultNamespace` is where namespaced objects without a namespace go.
 */
export function buildOfflinePolicy(located: readonly Located[], defaultNamespace: string): OfflinePolicy {
  const byKey: Record<RbacKind, Map<string, KubeObject>> = { Role: new Map(), ClusterRole: new Map(), RoleBinding: new Map(), ClusterRoleBinding: new Map() };
  const start = clusterStartPolicy();
  for (const o of start.clusterRoles) byKey.ClusterRole.set(o.metadata.name ?? '', o);
  for (const o of start.clusterRoleBindings) byKey.ClusterRoleBinding.set(o.metadata.name ?? '', o);
  for (const o of start.roles) byKey.Role.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
  for (const o of start.roleBindings) byKey.RoleBinding.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
  const namespaces = new Set(systemNamespaces);
  const serviceAccounts = new Map<string, Set<string>>();
  const customResources: DiscoveredResource[] = [];
  const addSA = (ns: string, name: string) => {
    const set = serviceAccounts.get(ns) ?? new Set<string>();
    set.add(name);
    serviceAccounts.set(ns, set);
  };

  for (const { where, value } of located) {
    if (!isRecord(value)) throw new CliError(`${where}: not an object`);
    const { kind, apiVersion } = value;
    if (typeof kind !== 'string' || kind === '') throw new CliError(`${where}: Object 'Kind' is missing`);
    if (typeof apiVersion !== 'string' || apiVersion === '') throw new CliError(`${where}: Object 'apiVersion' is missing`);
    const metadata = value.metadata;
    if (metadata !== undefined && !isRecord(metadata)) throw new CliError(`${where}: metadata: must be an object`);
    const name = isRecord(metadata) ? metadata.name : undefined;
    const rbac = apiVersion === rbacVersion ? rbacKinds[kind] : undefined;
    const isCore = apiVersion === 'v1' && (kind === 'ServiceAccount' || kind === 'Namespace');
    if (apiVersion === 'apiextensions.k8s.io/v1' && kind === 'CustomResourceDefinition') {
      customResources.push(...crdResources(value));
      continue;
    }
    if (!rbac && !isCore) {
      if (apiVersion.startsWith('rbac.authorization.k8s.io/') && kind in rbacKinds) throw new CliError(`${where}: ${kind} in ${apiVersion}: only ${rbacVersion} is read (the server serves no other version)`);
      continue;
    }
    if (typeof name !== 'string' || name === '') throw new CliError(`${where}: ${kind}: metadata.name: Required value: name or generateName is required`);
    const ns = isRecord(metadata) && typeof metadata.namespace === 'string' && metadata.namespace ? metadata.namespace : defaultNamespace;
    const label = `${kind} ${JSON.stringify(name)}`;
    for (const f of ['labels', 'annotations']) {
      const m = isRecord(metadata) ? metadata[f] : undefined;
      if (m !== undefined && m !== null && (!isRecord(m) || !Object.values(m).every((v) => typeof v === 'string'))) throw new CliError(`${where}: ${label}: metadata.${f}: must map strings to strings`);
    }
    if (kind === 'Namespace') {
      namespaces.add(name);
      continue;
    }
    if (kind === 'ServiceAccount') {
      namespaces.add(ns);
      addSA(ns, name);
      continue;
    }
    const problem = rbacProblem(kind, value, rbac!.namespaced);
    if (problem) throw new CliError(`${where}: ${label}: ${problem}`);
    const obj = structuredClone(value) as KubeObject;
    obj.metadata = { ...obj.metadata, name };
    if (rbac!.namespaced) obj.metadata.namespace = ns;
    else delete obj.metadata.namespace;
    byKey[kind as RbacKind].set(rbac!.namespaced ? `${ns}/${name}` : name, obj);
  }
  for (const ns of namespaces) addSA(ns, 'default');

  // The aggregation controller's result: aggregated cluster roles hold the rules their selectors pick.
  const clusterRoles = [...byKey.ClusterRole.values()];
  const settled = new Map(settleAggregation(clusterRoles.map(toRole)).map((r) => [r.name, r]));
  for (const o of clusterRoles) {
    const s = settled.get(o.metadata.name ?? '');
    if (s?.aggregationSelectors) o.rules = s.rules;
  }

  const index = new RbacIndex();
  const objects: Record<RbacKind, KubeObject[]> = { Role: [], ClusterRole: [], RoleBinding: [], ClusterRoleBinding: [] };
  // in the order a server lists them: by namespace, then name (byte order)
  const key = (o: KubeObject) => `${o.metadata.namespace ?? ''}\u0000${o.metadata.name ?? ''}`;
  for (const kind of Object.keys(byKey) as RbacKind[]) {
    for (const o of [...byKey[kind].values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))) {
      index.upsert(kind, o);
      objects[kind].push(o);
    }
  }
  return { index, authorizer: clusterAuthorizer(index, new NodeGraph()), objects, serviceAccounts, customResources };
}

/** The lists `fetchRbac` would return for `namespace` ("" cluster-wide only, "*" every namespace). */
export function offlineRbacData(policy: OfflinePolicy, namespace: string): RbacData {
  const inScope = (o: KubeObject) => namespace === '*' || (namespace !== '' && o.metadata.namespace === namespace);
  return {
    clusterRoles: policy.objects.ClusterRole.map(toRole),
    clusterRoleBindings: policy.objects.ClusterRoleBinding.map(toBinding),
    roles: policy.objects.Role.filter(inScope).map(toRole),
    roleBindings: policy.objects.RoleBinding.filter(inScope).map(toBinding),
  };
}

/** The flags every offline-capable auth command takes. */
export const offlineFlags = [
  { name: 'offline', kind: 'bool' as const, usage: 'If true, answer without a cluster: from the RBAC objects in the -f files plus the policy a new a-kube cluster starts with, decided by the API server\'s own authorizer.' },
  { name: 'filename', short: 'f', kind: 'stringSlice' as const, usage: 'With --offline: a file or directory (searched recursively for .yaml, .yml, .json) of RBAC objects, ServiceAccounts and Namespaces; "-" reads standard input. May be repeated.' },
];

/** Whether the command runs offline; -f without --offline is refused. */
export function isOffline(flags: { bool(n: string): boolean; list(n: string): string[] }): boolean {
  const offline = flags.bool('offline');
  if (!offline && flags.list('filename').length > 0) throw new CliError('-f/--filename is read only with --offline (to check the objects in a cluster, apply them first)');
  return offline;
}

/** Reads the -f files into a policy; namespaced objects without a namespace go to -n (else "default"). */
export async function loadOfflinePolicy(ctx: CommandContext, files: readonly string[]): Promise<OfflinePolicy> {
  return buildOfflinePolicy(await readPolicyFiles(files, ctx.io.stdin), offlineNamespace(ctx));
}

/** -n, else "default": offline there is no kubeconfig context to take a namespace from. */
export function offlineNamespace(ctx: CommandContext): string {
  const f = ctx.factory.flags;
  return (f.has('namespace') && f.string('namespace')) || 'default';
}

/** The user --as/--as-group name, with the groups the server would give them once impersonated. */
export function offlineUser(ctx: CommandContext): UserInfo {
  const f = ctx.factory.flags;
  const name = f.has('as') ? f.string('as') : '';
  const groups = f.has('as-group') ? f.list('as-group') : [];
  if (!name) {
    if (groups.length > 0) throw new CliError('--as-group needs --as: name the user the groups belong to');
    throw new CliError('--offline needs --as (and optionally --as-group): without a cluster there is no logged-in user to ask about');
  }
  return impersonatedUser(name, groups);
}
