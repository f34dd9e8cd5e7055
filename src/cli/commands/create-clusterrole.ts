// `create clusterrole NAME` (kubectl/pkg/cmd/create/create_clusterrole.go): a role's rules, non-resource URLs,
// or an aggregation rule instead of rules.
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import { createGenerated, requireOneName } from './create-generated.js';
import { generateRules, roleFlags, roleOptions, validateResources, warnNonStandardVerbs } from './create-role.js';

const validNonResourceVerbs = ['*', 'get', 'post', 'put', 'delete', 'patch', 'head', 'options'];

/** "a=b,c=d" (possibly repeated) → matchLabels; kubectl's mapStringString flag. */
export function parseAggregationRule(values: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of values) {
    const eq = pair.indexOf('=');
    if (eq < 0) throw new CliError(`invalid argument "${values.join(',')}" for "--aggregation-rule" flag: ${pair} must be formatted as key=value`);
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}

export function validateNonResourceURLs(verbs: readonly string[], urls: readonly string[]): void {
  for (const v of verbs) if (!validNonResourceVerbs.includes(v)) throw new CliError(`invalid verb: '${v}' for nonResourceURL`);
  for (const url of urls) {
    if (url === '*') continue;
    if (!url.startsWith('/')) throw new CliError('nonResourceURL should start with /');
    if (url.slice(0, -1).includes('*')) throw new CliError("nonResourceURL only supports wildcard matches when '*' is at the end");
  }
}

export const command: Command = {
  name: 'clusterrole',
  short: 'Create a ClusterRole holding one rule',
  long: 'Create a ClusterRole with the given name, holding one rule built from the flags (or an aggregation rule).',
  examples: [
    '  # A cluster role that may read nodes',
    '  a-kubectl create clusterrole node-viewer --verb=get,list,watch --resource=nodes',
    '  ',
    '  # Only the two named ConfigMaps may be read',
    '  a-kubectl create clusterrole settings-reader --verb=get --resource=configmaps --resource-name=app-settings --resource-name=feature-flags',
    '  ',
    '  # Deployments of the apps group and their scale subresource',
    '  a-kubectl create clusterrole scaler --verb=get,update --resource=deployments.apps,deployments.apps/scale',
    '  ',
    '  # Health endpoints outside the resource API',
    '  a-kubectl create clusterrole probe --verb=get --non-resource-url=/healthz --non-resource-url=\'/readyz/*\'',
    '  ',
    '  # A role whose rules are gathered from labelled cluster roles',
    '  a-kubectl create clusterrole team-view --aggregation-rule="example.org/team-view=true"',
  ].join('\n'),
  usage: 'create clusterrole NAME --verb=verb --resource=resource.group [--resource-name=resourcename] [--dry-run=server|client|none] [options]',
  flags: [
    ...roleFlags,
    { name: 'aggregation-rule', kind: 'stringSlice', usage: 'Label selector of ClusterRoles whose rules are gathered into this one (aggregation).' },
    { name: 'non-resource-url', kind: 'stringSlice', usage: 'A non-resource URL path the role allows (e.g. /healthz, or /logs/* for a prefix).' },
  ],
  async run(ctx, args) {
    const name = requireOneName(ctx, args);
    const f = args.flags;
    const nonResourceURLs = [...new Set(f.list('non-resource-url'))];
    const aggregation = parseAggregationRule(f.list('aggregation-rule'));
    const o = roleOptions(f);
    const mapper = await ctx.factory.mapper();
    let rules: unknown = null;
    let aggregationRule: unknown;
    if (Object.keys(aggregation).length > 0) {
      if (nonResourceURLs.length > 0 || o.verbs.length > 0 || o.resources.length > 0 || o.resourceNames.length > 0) {
        throw new CliError('aggregation rule must be specified without nonResourceURLs, verbs, resources or resourceNames');
      }
      aggregationRule = { clusterRoleSelectors: [{ matchLabels: aggregation }] };
    } else {
      if (o.verbs.length === 0) throw new CliError('at least one verb must be specified');
      if (o.resources.length === 0 && nonResourceURLs.length === 0) throw new CliError('one of resource or nonResourceURL must be specified');
      if (o.resources.length > 0) {
        warnNonStandardVerbs(ctx, o.verbs);
        validateResources(ctx, mapper, o.verbs, o.resources);
      }
      if (nonResourceURLs.length > 0) validateNonResourceURLs(o.verbs, nonResourceURLs);
      rules = generateRules(mapper, o.verbs, o.resources, o.resourceNames, nonResourceURLs);
    }
    const object = {
      kind: 'ClusterRole',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name, creationTimestamp: null },
      rules,
      ...(aggregationRule ? { aggregationRule } : {}),
    };
    await createGenerated(ctx, args, { object, path: '/apis/rbac.authorization.k8s.io/v1/clusterroles', typeName: 'clusterrole.rbac.authorization.k8s.io' });
  },
};
