// `auth can-i VERB TYPE[/NAME] | VERB /path`, `--list`, and a-kubectl's `--explain`
// (kubectl/pkg/cmd/auth/cani.go for everything but --explain).
import { isRecord, type KubeObject } from '../../api/object.js';
import { breakdownRule } from '../../auth/authz/rbac-rules.js';
import type { PolicyRule } from '../../auth/authz/rbac-types.js';
import { toPolicyRule } from '../../auth/authz/rbac-types.js';
import { ApiError } from '../../client/api-error.js';
import { getDiscovery } from '../../client/discovery.js';
import { createRestMapper, UnknownResourceError, type RestMapper } from '../../client/rest-mapper.js';
import { createRestClient, type RestClient } from '../../client/rest.js';
import { impersonatedUser } from '../../auth/impersonated-user.js';
import type { UserInfo } from '../../auth/types.js';
import type { Command, CommandContext } from '../command.js';
import { CliError, errorText, ExitError } from '../errors.js';
import { tabulate } from '../tabwriter.js';
import { allowedWithoutReason, explainDenial } from '../../auth/analysis/explain.js';
import { fetchRbac, nonResourceAttributes, resourceAttributes } from '../../auth/analysis/rbac-data.js';
import { isOffline, loadOfflinePolicy, type OfflinePolicy, offlineFlags, offlineNamespace, offlineRbacData, offlineUser } from './auth-offline.js';
import { catalogMapper } from '../offline-mapper.js';
import { clusterRulesResolvers } from '../../auth/authz/cluster-authorizer.js';
import { rulesReviewStatus } from '../../auth/reviews/access-reviews.js';
import { goList, selfSubjectReview, userInfoOf } from './auth-whoami.js';

const resourceVerbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'use', 'bind', 'impersonate', '*', 'approve', 'sign', 'escalate', 'attest'];
const nonResourceVerbs = ['get', 'put', 'post', 'head', 'options', 'delete', 'patch', '*'];
/** Served but not discoverable: users and groups for the impersonate verb. */
const nonStandardResources = ['users', 'groups'];

export interface ResolvedResource {
  group: string;
  resource: string;
  namespaced: boolean;
}

function warn(ctx: CommandContext, message: string): void {
  ctx.io.stderr.write(`Warning: ${message}\n`);
}

/** Runs `use` with a client that acts as the caller, without the impersonation --as asks for. */
async function withOwnClient<T>(client: RestClient, use: (own: RestClient) => Promise<T>): Promise<T> {
  if (!client.config.impersonate) return use(client);
  const { impersonate: _as, ...config } = client.config;
  const own = createRestClient(config);
  try {
    return await use(own);
  } finally {
    own.close();
  }
}

/**
 * The server's resource types, read as the user --as names, as kubectl reads them; with --explain, read as the
 * caller when that user may not read them (system:anonymous may not list the API groups).
 */
async function liveMapper(ctx: CommandContext, explain: boolean): Promise<RestMapper> {
  try {
    return await ctx.factory.mapper();
  } catch (e) {
    const client = await ctx.factory.client();
    if (!explain || !client.config.impersonate || !(e instanceof ApiError && e.code === 403)) throw e;
    return withOwnClient(client, async (own) => createRestMapper(await getDiscovery(own, ctx.factory.signal)));
  }
}

/** The answer for `user`, asked by the caller (a SubjectAccessReview: the caller may create one, the user need not). */
function subjectAccessReview(client: RestClient, user: UserInfo, spec: Record<string, unknown>, signal: AbortSignal): Promise<KubeObject> {
  const body = {
    kind: 'SubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: { ...spec, user: user.name, groups: user.groups, ...(user.uid ? { uid: user.uid } : {}) },
    status: { allowed: false },
  };
  return client.create<KubeObject>('/apis/authorization.k8s.io/v1/subjectaccessreviews', body, { signal });
}

export function resolveCanIResource(ctx: CommandContext, mapper: RestMapper, word: string): ResolvedResource {
  if (word === '*') return { group: '', resource: '*', namespaced: true };
  try {
    const m = mapper.resourceFor(word.toLowerCase());
    return { group: m.group, resource: m.resource, namespaced: m.namespaced };
  } catch (e) {
    if (!(e instanceof UnknownResourceError)) throw e;
    const lower = word.toLowerCase();
    const dot = lower.indexOf('.');
    const resource = dot < 0 ? lower : lower.slice(0, dot);
    const group = dot < 0 ? '' : lower.slice(dot + 1);
    if (!nonStandardResources.includes(lower)) {
      warn(ctx, group ? `the server doesn't have a resource type '${resource}' in group '${group}'\n` : `the server doesn't have a resource type '${resource}'\n`);
    }
    return { group: '', resource: word, namespaced: true };
  }
}

/** The SubjectRulesReview status as kubectl prints it: broken down, compacted, sorted, tabulated. */
export function accessTable(status: unknown, noHeaders: boolean): string {
  const s = isRecord(status) ? status : {};
  const rules: PolicyRule[] = [];
  for (const r of Array.isArray(s.resourceRules) ? s.resourceRules : []) {
    const rule = toPolicyRule(r);
    if (rule) rules.push({ verbs: rule.verbs, apiGroups: rule.apiGroups ?? [], resources: rule.resources ?? [], ...(rule.resourceNames ? { resourceNames: rule.resourceNames } : {}) });
  }
  for (const r of Array.isArray(s.nonResourceRules) ? s.nonResourceRules : []) {
    const rule = toPolicyRule(r);
    if (rule) rules.push({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs ?? [] });
  }
  const compacted = compactRules(rules.flatMap(breakdownRule));
  const sorted = compacted.map((r, i) => ({ r, i, key: goRuleString(r) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i));
  const rows = sorted.map(({ r }) => [combineResourceGroup(r.resources ?? [], r.apiGroups ?? []), goList(r.nonResourceURLs ?? []), goList(r.resourceNames ?? []), goList(r.verbs)]);
  return tabulate([...(noHeaders ? [] : [['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']]), ...rows]);
}

/** kubectl's rbac util CompactRules: single group/resource rules (at most one name) merge their verbs. */
export function compactRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const names = r.resourceNames ?? [];
    const isSimple = (r.nonResourceURLs ?? []).length === 0 && (r.apiGroups ?? []).length === 1 && (r.resources ?? []).length === 1 && names.length <= 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups?.[0], r.resources?.[0], names[0] ?? null]);
    const existing = simple.get(key);
    if (!existing) simple.set(key, { ...r, verbs: [...r.verbs] });
    else for (const v of r.verbs) if (!existing.verbs.includes(v)) existing.verbs.push(v);
  }
  return [...out, ...simple.values()];
}

/** The generated Go String() of an rbac/v1 PolicyRule, which kubectl sorts by. */
function goRuleString(r: PolicyRule): string {
  return `&PolicyRule{Verbs:${goList(r.verbs)},APIGroups:${goList(r.apiGroups ?? [])},Resources:${goList(r.resources ?? [])},ResourceNames:${goList(r.resourceNames ?? [])},NonResourceURLs:${goList(r.nonResourceURLs ?? [])},}`;
}

/** "pods", "deployments.apps", "pods/log" as in kubectl describe's CombineResourceGroup. */
function combineResourceGroup(resources: readonly string[], groups: readonly string[]): string {
  const first = resources[0];
  if (first === undefined) return '';
  const slash = first.indexOf('/');
  let out = slash < 0 ? first : first.slice(0, slash);
  if (groups[0]) out += `.${groups[0]}`;
  if (slash >= 0) out += first.slice(slash);
  return out;
}

/**
 * can-i without a cluster: the -f objects plus the start-up policy, decided by the API server's authorizer chain for
 * the user --as names (with the groups impersonation would give them). Prints and exits as the online command.
 */
async function canIOffline(
  ctx: CommandContext,
  o: { policy: OfflinePolicy; namespace: string; query: { verb: string; url: string } | { verb: string; target: ResolvedResource; name: string; subresource: string } | undefined; explain: boolean; out: { write(s: string): unknown }; noHeaders: boolean },
): Promise<void> {
  const user = offlineUser(ctx);
  const policy = o.policy;
    if (!o.query) {
    // the server answers a rules review for a namespace only; -A is refused above, as online
    ctx.io.stdout.write(accessTable(rulesReviewStatus(clusterRulesResolvers(policy.index), user, o.namespace), o.noHeaders));
    return;
  }
  const q = o.query;
  const attrs = 'url' in q
    ? nonResourceAttributes(q.verb, q.url, user)
    : resourceAttributes({ verb: q.verb, group: q.target.group, resource: q.target.resource, subresource: q.subresource, name: q.name, namespace: o.namespace }, user);
  const d = await policy.authorizer.authorize(attrs);
  const allowed = d.decision === 'allow';
  if (allowed) o.out.write('yes\n');
  else o.out.write(`no${d.reason ? ` - ${d.reason}` : ''}\n`);
  if (o.explain) {
    if (allowed) o.out.write(`${d.reason || allowedWithoutReason(user)}\n`);
    else o.out.write(explainDenial(attrs, offlineRbacData(policy, '*'), { namespaced: 'url' in q ? false : q.target.namespaced }));
  }
  if (!allowed) throw new ExitError(1);
}

export const command: Command = {
  name: 'can-i',
  short: 'Ask whether you (or --as) may perform an action',
  long: [
    'Ask the API server whether the current user may perform an action; prints yes or no and exits 0 or 1.',
    '',
    ' VERB is an API verb (get, list, watch, create, update, patch, delete, or a special one such as use, bind, escalate, impersonate or approve). TYPE names a resource by plural, singular or short name, with .GROUP when ambiguous (a type the server does not list is asked about as written, with a warning), and may end in /NAME for one object. A path starting with "/" asks about a non-resource URL instead. Combine with --as to ask on behalf of another user or service account.',
    '',
    ' With --list, every rule the user holds in the namespace is printed as a table instead.',
    '',
    ' With --explain (an a-kubectl addition), an allowed answer names the binding that allows it; a denied one lists the rules that came closest (in any namespace) and what they miss, then the commands that would allow exactly this request. When the user --as names may not ask for itself (system:anonymous may neither read the API groups nor create a SelfSubjectAccessReview), --explain asks for it as you, with a SubjectAccessReview.',
    '',
    ' With --offline (an a-kubectl addition) no cluster is asked: the RBAC objects in the -f files, on top of the policy a new a-kube cluster starts with, are decided by the same code the API server runs, for the user --as names (service accounts get their groups as impersonation gives them). The answer and the exit status are those the server would give once the files are applied.',
  ].join('\n'),
  examples: [
    '  # May I create pods in every namespace?',
    '  a-kubectl auth can-i create pods -A',
    '  ',
    '  # May I list Deployments here?',
    '  a-kubectl auth can-i list deployments.apps',
    '  ',
    '  # May service account "builder" of namespace "ci" list pods in "staging"? (needs impersonate rights)',
    '  a-kubectl auth can-i list pods -n staging --as=system:serviceaccount:ci:builder',
    '  ',
    '  # Do I hold every verb on every resource in the current namespace?',
    "  a-kubectl auth can-i '*' '*'",
    '  ',
    '  # May I read the ConfigMap "settings" in namespace "web"?',
    '  a-kubectl auth can-i get configmaps/settings -n web',
    '  ',
    '  # May I read container logs, or the /metrics endpoint?',
    '  a-kubectl auth can-i get pods --subresource=log',
    '  a-kubectl auth can-i get /metrics',
    '  ',
    '  # What am I allowed to do in namespace "web"?',
    '  a-kubectl auth can-i --list -n web',
    '  ',
    '  # Why may (or may not) service account "k-sa-1" of namespace "ns-1" list pods there?',
    '  a-kubectl auth can-i list pods -n ns-1 --as=system:serviceaccount:ns-1:k-sa-1 --explain',
    '  ',
    '  # In CI, without a cluster: once the chart is applied, may the default service account of "prod" read secrets there?',
    '  # ("a-kubectl auth who-can get secrets -n prod --offline -f chart/templates/" lists every subject that may)',
    '  a-kubectl auth can-i get secrets -n prod --as=system:serviceaccount:prod:default --offline -f chart/templates/'
  ].join('\n'),
  usage: 'auth can-i VERB [TYPE | TYPE/NAME | NONRESOURCEURL] [options]',
  flags: [
    { name: 'all-namespaces', short: 'A', kind: 'bool', usage: 'Ask about the action across every namespace rather than the current one.' },
    { name: 'explain', kind: 'bool', usage: 'If true, explain the answer: the binding that allows the action, or the closest rules, what they lack, and the commands that would allow it.' },
    { name: 'list', kind: 'bool', usage: 'Print a table of every action allowed in the namespace instead of answering one question.' },
    { name: 'no-headers', kind: 'bool', usage: 'With --list, leave out the header row.' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Print nothing; the exit status alone gives the answer (0 yes, 1 no).' },
    { name: 'subresource', kind: 'string', usage: 'Ask about a subresource of TYPE, such as log for pods or scale for deployments.' },
    ...offlineFlags,
  ],
  async run(ctx, args) {
    const f = args.flags;
    const pos = args.positionals;
    const list = f.bool('list');
    const offline = isOffline(f);
    const policy = offline ? await loadOfflinePolicy(ctx, f.list('filename')) : undefined;
    const quiet = f.bool('quiet');
    const explain = f.bool('explain') && !quiet;
    const subresource = f.string('subresource');
    const out = quiet && !list ? { write: () => true } : ctx.io.stdout;
    let verb = '';
    let url = '';
    let target: ResolvedResource | undefined;
    let name = '';
    if (list) {
      if (pos.length !== 0) throw new CliError('list option must be specified with no arguments');
    } else {
      if (pos.length !== 2) throw new CliError("you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'a-kubectl auth can-i -h' for help and examples.");
      verb = pos[0] ?? '';
      const what = pos[1] ?? '';
      if (what.startsWith('/')) url = what;
      else {
        const slash = what.indexOf('/');
        target = resolveCanIResource(ctx, policy ? catalogMapper(policy.customResources) : await liveMapper(ctx, explain), slash < 0 ? what : what.slice(0, slash));
        if (slash >= 0) name = what.slice(slash + 1);
      }
    }
    const all = f.bool('all-namespaces');
    const namespace = all ? '' : offline ? offlineNamespace(ctx) : (await ctx.factory.namespace()).namespace;
    if (list) {
      if (quiet || all || subresource) throw new CliError("list option can't be specified with neither quiet, all-namespaces nor subresource options");
      if (offline) return canIOffline(ctx, { policy: policy!, namespace, query: undefined, explain: false, out, noHeaders: f.bool('no-headers') });
      const client = await ctx.factory.client();
      const signal = ctx.factory.signal;
      const body = { kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { namespace }, status: { resourceRules: null, nonResourceRules: null, incomplete: false } };
      const review = await client.create<KubeObject>('/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', body, { signal });
      const status = isRecord(review.status) ? review.status : {};
      if (status.incomplete === true) warn(ctx, `the list may be incomplete: ${typeof status.evaluationError === 'string' ? status.evaluationError : ''}`);
      ctx.io.stdout.write(accessTable(status, f.bool('no-headers')));
      return;
    }
    if (url) {
      if (subresource) throw new CliError('--subresource can not be used with NonResourceURL');
      if (!nonResourceVerbs.includes(verb)) warn(ctx, `verb '${verb}' is not a known verb\n`);
    } else if (target && !all) {
      if (!target.namespaced) warn(ctx, target.group ? `resource '${target.resource}' is not namespace scoped in group '${target.group}'\n` : `resource '${target.resource}' is not namespace scoped\n`);
      if (!resourceVerbs.includes(verb)) warn(ctx, `verb '${verb}' is not a known verb\n`);
    }
    if (f.bool('no-headers')) throw new CliError('--no-headers cannot be set without --list specified');
    if (offline) {
      const query = url ? { verb, url } : { verb, target: target!, name, subresource };
      return canIOffline(ctx, { policy: policy!, namespace, query, explain, out, noHeaders: false });
    }
    const client = await ctx.factory.client();
    const signal = ctx.factory.signal;

    const resourceAttrs = { ...(namespace ? { namespace } : {}), verb, ...(target?.group ? { group: target.group } : {}), resource: target?.resource ?? '', ...(subresource ? { subresource } : {}), ...(name ? { name } : {}) };
    const spec = url ? { nonResourceAttributes: { path: url, verb } } : { resourceAttributes: resourceAttrs };
    const body = { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status: { allowed: false } };
    let review: KubeObject;
    // who --as names, when --explain must answer for a user who may not ask for themselves (system:anonymous)
    let askedFor: UserInfo | undefined;
    try {
      review = await client.create<KubeObject>('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', body, { signal });
    } catch (e) {
      const as = client.config.impersonate;
      if (!explain || !as?.user || !(e instanceof ApiError && e.code === 403)) throw e;
      askedFor = impersonatedUser(as.user, as.groups ?? [], as.uid);
      review = await withOwnClient(client, (own) => subjectAccessReview(own, askedFor!, spec, signal));
    }
    const status = isRecord(review.status) ? review.status : {};
    const allowed = status.allowed === true;
    const reason = typeof status.reason === 'string' ? status.reason : '';
    const evaluationError = typeof status.evaluationError === 'string' ? status.evaluationError : '';
    if (allowed) out.write('yes\n');
    else out.write(`no${reason ? ` - ${reason}` : ''}${evaluationError ? ` - ${evaluationError}` : ''}\n`);

    if (explain) {
      const user = async () => askedFor ?? userInfoOf(await selfSubjectReview(client, signal));
      if (allowed) out.write(`${reason || allowedWithoutReason(await user().catch(() => undefined))}\n`);
      else {
        try {
          const u = await user();
          const attrs = url ? nonResourceAttributes(verb, url, u) : resourceAttributes({ verb, group: target?.group ?? '', resource: target?.resource ?? '', subresource, name, namespace }, u);
          // the RBAC objects are read as the caller, not as the user --as names (who usually may not list them):
          // every namespace's roles and bindings when the caller may read them (a grant elsewhere is the closest
          // miss for "same verb, other namespace"); else the namespace asked about.
          const data = await withOwnClient(client, (reader) => fetchRbac(reader, '*', signal).catch(() => fetchRbac(reader, namespace, signal)));
          out.write(explainDenial(attrs, data, { namespaced: url ? false : (target?.namespaced ?? true) }));
        } catch (e) {
          ctx.io.stderr.write(`cannot explain: ${errorText(e).replace(/^error: /, '')}\n`);
        }
      }
    }
    if (!allowed) throw new ExitError(1);
  },
};
