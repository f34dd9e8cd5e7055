// `create role NAME --verb=… --resource=…`, and the rule building `create clusterrole` shares
// (kubectl/pkg/cmd/create/create_role.go).
import type { RestMapper } from '../../client/rest-mapper.js';
import { UnknownResourceError } from '../../client/rest-mapper.js';
import type { Command, CommandContext } from '../command.js';
import type { FlagValues } from '../args.js';
import { CliError, ExitError } from '../errors.js';
import { resourcePath } from '../../client/paths.js';
import { createGenerated, generatorFlags, requireOneName, targetNamespace } from './create-generated.js';

export interface ResourceOption {
  group: string;
  resource: string;
  subresource: string;
}

export interface PolicyRuleObject {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

const validResourceVerbs = ['*', 'get', 'delete', 'list', 'create', 'update', 'patch', 'watch', 'proxy', 'deletecollection', 'use', 'bind', 'escalate', 'impersonate'];

/** Verbs kubectl only accepts on particular group/resources. */
const specialVerbs: Record<string, { group: string; resource: string }[]> = {
  use: [
    { group: 'policy', resource: 'podsecuritypolicies' },
    { group: 'extensions', resource: 'podsecuritypolicies' },
  ],
  bind: [
    { group: 'rbac.authorization.k8s.io', resource: 'roles' },
    { group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
  ],
  escalate: [
    { group: 'rbac.authorization.k8s.io', resource: 'roles' },
    { group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
  ],
  impersonate: [
    { group: '', resource: 'users' },
    { group: '', resource: 'serviceaccounts' },
    { group: '', resource: 'groups' },
    { group: 'authentication.k8s.io', resource: 'userextras' },
  ],
};

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/** Verbs without duplicates; "*" alone replaces them all. */
export function normalizeVerbs(verbs: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of verbs) {
    if (v === '*') return ['*'];
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

/** "pods", "deployments.apps", "pods/log"; a bare "*" replaces all the others. */
export function parseResourceOptions(values: readonly string[]): ResourceOption[] {
  const out: ResourceOption[] = [];
  for (const value of values) {
    const slash = value.indexOf('/');
    const head = slash < 0 ? value : value.slice(0, slash);
    const subresource = slash < 0 ? '' : value.slice(slash + 1);
    const dot = head.indexOf('.');
    const option = { resource: dot < 0 ? head : head.slice(0, dot), group: dot < 0 ? '' : head.slice(dot + 1), subresource };
    if (option.resource === '*' && dot < 0 && slash < 0) return [option];
    out.push(option);
  }
  return out;
}

/** The served group/resource the mapper resolves, or the words as typed, and the mapper's error. */
function resolve(mapper: RestMapper, r: ResourceOption): { group: string; resource: string; error?: Error } {
  try {
    const m = mapper.resourceFor(r.group ? `${r.resource}.${r.group}` : r.resource);
    return { group: m.group, resource: m.resource };
  } catch (e) {
    if (!(e instanceof UnknownResourceError)) throw e;
    return { group: r.group, resource: r.resource, error: e };
  }
}

/** A failure kubectl prints without the "error: " prefix (its StandardErrorMessage for no-match errors). */
function plainFailure(ctx: CommandContext, message: string): never {
  ctx.io.stderr.write(`${message}\n`);
  throw new ExitError(1);
}

export function warnNonStandardVerbs(ctx: CommandContext, verbs: readonly string[]): void {
  for (const v of verbs) if (!validResourceVerbs.includes(v)) ctx.io.stderr.write(`Warning: '${v}' is not a standard resource verb\n`);
}

export function validateResources(ctx: CommandContext, mapper: RestMapper, verbs: readonly string[], resources: readonly ResourceOption[]): void {
  for (const r of resources) {
    if (r.resource === '') throw new CliError('resource must be specified if apiGroup/subresource specified');
    if (r.resource === '*') return;
    const resolved = resolve(mapper, r);
    let error = resolved.error;
    for (const v of verbs) {
      const allowed = specialVerbs[v];
      if (!allowed) continue;
      if (!allowed.some((a) => a.group === resolved.group && a.resource === resolved.resource)) {
        throw new CliError(`can not perform '${v}' on '${resolved.resource}' in group '${resolved.group}'`);
      }
      error = undefined;
    }
    if (error) plainFailure(ctx, error.message);
  }
}

/** One rule per API group (groups sorted), then one for the non-resource URLs. */
export function generateRules(mapper: RestMapper, verbs: string[], resources: readonly ResourceOption[], resourceNames: string[], nonResourceURLs: string[]): PolicyRuleObject[] {
  const byGroup = new Map<string, string[]>();
  for (const r of resources) {
    const resolved = resolve(mapper, r);
    const name = r.subresource ? `${resolved.resource}/${r.subresource}` : resolved.resource;
    const list = byGroup.get(resolved.group) ?? [];
    if (!list.includes(name)) list.push(name);
    byGroup.set(resolved.group, list);
  }
  const rules: PolicyRuleObject[] = [...byGroup.keys()].sort().map((group) => ({
    verbs,
    apiGroups: [group],
    resources: byGroup.get(group) ?? [],
    ...(resourceNames.length > 0 ? { resourceNames } : {}),
  }));
  if (nonResourceURLs.length > 0) rules.push({ verbs, nonResourceURLs });
  return rules;
}

export interface RoleOptions {
  verbs: string[];
  resources: ResourceOption[];
  resourceNames: string[];
}

export function roleOptions(flags: FlagValues): RoleOptions {
  return {
    verbs: normalizeVerbs(flags.list('verb')),
    resources: parseResourceOptions(flags.list('resource')),
    resourceNames: unique(flags.list('resource-name')),
  };
}

export const roleFlags = [
  ...generatorFlags,
  { name: 'resource', kind: 'stringSlice', usage: 'Resource type the rule covers, optionally resource.group or resource/subresource (repeatable).' },
  { name: 'resource-name', kind: 'stringArray', usage: 'Limit the rule to objects with this name (repeatable).' },
  { name: 'verb', kind: 'stringSlice', usage: 'Verb the rule allows, such as get, list or * (repeatable).' },
] satisfies Command['flags'];

export const command: Command = {
  name: 'role',
  short: 'Create a Role holding one rule',
  long: 'Create a Role with the given name, holding one rule built from the flags.',
  examples: [
    '  # A role that may read Secrets in the current namespace',
    '  a-kubectl create role secret-reader --verb=get,list,watch --resource=secrets',
    '  ',
    '  # Only one named ConfigMap may be changed',
    '  a-kubectl create role flag-editor --verb=get,update --resource=configmaps --resource-name=feature-flags',
    '  ',
    '  # StatefulSets of the apps group and their status',
    '  a-kubectl create role sts-watch --verb=get,watch --resource=statefulsets.apps,statefulsets.apps/status',
  ].join('\n'),
  usage: 'create role NAME --verb=verb --resource=resource.group/subresource [--resource-name=resourcename] [--dry-run=server|client|none] [options]',
  flags: roleFlags,
  async run(ctx, args) {
    const name = requireOneName(ctx, args);
    const o = roleOptions(args.flags);
    const mapper = await ctx.factory.mapper();
    if (o.verbs.length === 0) throw new CliError('at least one verb must be specified');
    warnNonStandardVerbs(ctx, o.verbs);
    if (o.resources.length === 0) throw new CliError('at least one resource must be specified');
    validateResources(ctx, mapper, o.verbs, o.resources);
    const { namespace, inObject } = await targetNamespace(ctx);
    const object = {
      kind: 'Role',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name, ...inObject, creationTimestamp: null },
      rules: generateRules(mapper, o.verbs, o.resources, o.resourceNames, []),
    };
    await createGenerated(ctx, args, {
      object,
      path: resourcePath({ group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', namespace }),
      typeName: 'role.rbac.authorization.k8s.io',
    });
  },
};
