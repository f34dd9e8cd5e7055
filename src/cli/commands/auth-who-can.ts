// `auth who-can VERB TYPE [NAME] | VERB /path` (an a-kubectl addition): every subject RBAC lets do it, with the
// binding and role that grant it. Evaluated client-side over the listed RBAC objects with the server's matching rules.
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import { tabulate } from '../tabwriter.js';
import { resolveCanIResource } from './auth-can-i.js';
import { fetchRbac, nonResourceAttributes, resourceAttributes, type RbacData } from '../../auth/analysis/rbac-data.js';
import { ApiError } from '../../client/api-error.js';
import { whoCan } from '../../auth/analysis/who-can.js';
import { whoCanIndirectly } from '../../auth/analysis/who-can-indirect.js';
import type { Attributes } from '../../auth/types.js';
import { isOffline, loadOfflinePolicy, offlineFlags, offlineNamespace, offlineRbacData } from './auth-offline.js';
import { catalogMapper } from '../offline-mapper.js';

export const command: Command = {
  name: 'who-can',
  short: 'List the subjects allowed an action, with the bindings that allow it',
  long: [
    'List every subject (user, group or service account) that RBAC allows to perform an action, with the binding and the role that grant it.',
    '',
    ' VERB, TYPE, NAME and NONRESOURCEURL are read as by "auth can-i". Members of system:masters are always allowed and are not listed unless a binding names them.',
    ' A second table lists the subjects that are not allowed but can allow themselves in one step: by impersonating someone who is, binding a role that grants it (bind), adding the rule to a role they are bound to (escalate), making a role with the rule and binding it (escalate and bind), or running a pod as, or minting a token for, a service account that is. It also lists two-step routes: becoming (by impersonation, a pod or a token) a subject that has a one-step route, then taking it. The cluster\'s own bootstrap subjects are left out of it, and it is not computed with --all-namespaces.',
    ' Needs permission to list roles, cluster roles and their bindings; with --offline, nothing: the -f files plus the policy a new a-kube cluster starts with are read instead (aggregated cluster roles filled in as the cluster would).',
  ].join('\n'),
  examples: [
    '  # Who can list pods in namespace ns-1?',
    '  a-kubectl auth who-can list pods -n ns-1',
    '  ',
    '  # Who can read the secret "db" in the current namespace?',
    '  a-kubectl auth who-can get secrets db',
    '  ',
    '  # Who can read pod logs in any namespace?',
    '  a-kubectl auth who-can get pods --subresource=log -A',
    '  ',
    '  # Who can read /healthz?',
    '  a-kubectl auth who-can get /healthz',
    '  ',
    '  # Who could list secrets in "prod" once these manifests are applied?',
    '  a-kubectl auth who-can list secrets -n prod --offline -f deploy/'
  ].join('\n'),
  usage: 'auth who-can VERB (TYPE [NAME] | TYPE/NAME | NONRESOURCEURL) [options]',
  flags: [
    { name: 'all-namespaces', short: 'A', kind: 'bool', usage: 'If true, consider the role bindings of every namespace.' },
    { name: 'no-headers', kind: 'bool', usage: 'If true, print the subjects without headers.' },
    { name: 'subresource', kind: 'string', usage: 'SubResource such as pod/log or deployment/scale' },
    ...offlineFlags,
  ],
  async run(ctx, args) {
    const f = args.flags;
    const [verb, what, extraName, ...rest] = args.positionals;
    if (!verb || !what || rest.length > 0) throw new CliError("you must specify a verb and a resource: VERB TYPE [NAME], VERB TYPE/NAME or VERB /path.\nSee 'a-kubectl auth who-can -h' for help and examples.");
    const policy = isOffline(f) ? await loadOfflinePolicy(ctx, f.list('filename')) : undefined;
    let attrs: Attributes;
    let namespace = '';
    if (what.startsWith('/')) {
      if (extraName || f.has('subresource')) throw new CliError('NonResourceURL and a name or subresource can not be specified together');
      attrs = nonResourceAttributes(verb, what);
    } else {
      const slash = what.indexOf('/');
      const target = resolveCanIResource(ctx, policy ? catalogMapper(policy.customResources) : await ctx.factory.mapper(), slash < 0 ? what : what.slice(0, slash));
      const name = slash >= 0 ? what.slice(slash + 1) : extraName ?? '';
      if (target.namespaced) namespace = f.bool('all-namespaces') ? '*' : policy ? offlineNamespace(ctx) : (await ctx.factory.namespace()).namespace;
      attrs = resourceAttributes({ verb, group: target.group, resource: target.resource, subresource: f.string('subresource'), name, namespace });
    }
    // Every namespace's bindings: a route to a namespace's permission may start in another one (a pod run there as
    // a service account bound cluster-wide). Direct grants are matched to the request's namespace either way.
    let data: RbacData;
    if (policy) data = offlineRbacData(policy, namespace === '' ? '' : '*');
    else {
      const client = await ctx.factory.client();
      try {
        data = await fetchRbac(client, namespace === '' ? '' : '*', ctx.factory.signal);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 403) || namespace === '' || namespace === '*') throw e;
        data = await fetchRbac(client, namespace, ctx.factory.signal);
        ctx.io.stderr.write(`Warning: routes that start in other namespaces are not shown: ${e.message}\n`);
      }
    }
    const rows = whoCan(attrs, data);
    const indirect = whoCanIndirectly(attrs, data, { twoSteps: true });
    const headers = !f.bool('no-headers');
    if (rows.length === 0) ctx.io.stderr.write('No subjects found.\n');
    else {
      const table = rows.map((r) => [r.kind, r.subject, r.binding, r.role]);
      ctx.io.stdout.write(tabulate(headers ? [['KIND', 'SUBJECT', 'BINDING', 'ROLE'], ...table] : table));
    }
    if (indirect.length > 0) {
      const table = indirect.map((r) => [r.kind, r.subject, r.how, r.via.join('; ')]);
      if (rows.length > 0) ctx.io.stdout.write('\n');
      ctx.io.stdout.write(tabulate(headers ? [['KIND', 'SUBJECT', 'CAN ALLOW ITSELF BY', 'VIA'], ...table] : table));
    }
  },
};
