// `auth risks` (an a-kubectl addition): who can become cluster-admin, or act beyond their grants, and through which
// bindings (src/auth/analysis/risks.ts), over every Role, ClusterRole and binding listed, or read from files offline.
import type { Command } from '../command.js';
import { CliError, ExitError } from '../errors.js';
import { tabulate } from '../tabwriter.js';
import { fetchRbac, type RbacData } from '../../auth/analysis/rbac-data.js';
import { findRisks, severities, type Severity } from '../../auth/analysis/risks.js';
import { isOffline, loadOfflinePolicy, offlineFlags, offlineRbacData } from './auth-offline.js';

export const command: Command = {
  name: 'risks',
  short: 'List who can escalate privileges, and through which bindings',
  long: [
    'List the subjects whose RBAC grants let them become cluster-admin or act beyond what they were given: full access,',
    'escalate/bind on roles, impersonation, reading Secrets, minting service-account tokens, nodes/proxy, and chains',
    'where creating pods (or workloads) in a namespace lets them run as a more powerful service account there.',
    '',
    ' Each risk names the bindings it goes through. The cluster\'s own bootstrap bindings are left out unless they',
    ' open access to everyone. The exit status is 1 when a risk at or above --fail-on is found, so a CI job can run it.',
    ' Needs permission to list roles, cluster roles and their bindings in every namespace; with --offline the -f files plus the policy a new a-kube cluster starts with are checked instead, with no cluster.',
  ].join('\n'),
  examples: ['  # Everything, most severe first', '  a-kubectl auth risks', '  ', '  # Fail a pipeline only on critical risks', '  a-kubectl auth risks --fail-on=critical', '  ', '  # Check a chart\'s manifests before they reach a cluster', '  a-kubectl auth risks --offline -f chart/rendered/'].join('\n'),
  usage: 'auth risks [--fail-on=critical|high|medium|none] [--no-headers]',
  flags: [
    { name: 'fail-on', kind: 'string', default: 'high', usage: 'Exit with status 1 when a risk of this severity or worse is found: critical, high, medium or none.' },
    { name: 'no-headers', kind: 'bool', usage: 'If true, print the risks without headers.' },
    ...offlineFlags,
  ],
  async run(ctx, args) {
    const f = args.flags;
    const failOn = f.string('fail-on') || 'high';
    if (failOn !== 'none' && !severities.includes(failOn as Severity)) throw new CliError(`--fail-on "${failOn}": use critical, high, medium or none`);
    if (args.positionals.length > 0) throw new CliError(`unexpected arguments: ${args.positionals.join(' ')}`);
    const data: RbacData = isOffline(f)
      ? offlineRbacData(await loadOfflinePolicy(ctx, f.list('filename')), '*')
      : await fetchRbac(await ctx.factory.client(), '*', ctx.factory.signal);
    const risks = findRisks(data);
    if (risks.length === 0) {
      ctx.io.stdout.write('No risks found.\n');
      return;
    }
    const rows = risks.map((r) => [r.severity.toUpperCase(), r.subject, r.risk, r.via.join('; ')]);
    ctx.io.stdout.write(tabulate(f.bool('no-headers') ? rows : [['SEVERITY', 'SUBJECT', 'RISK', 'VIA'], ...rows]));
    if (failOn !== 'none' && risks.some((r) => severities.indexOf(r.severity) <= severities.indexOf(failOn as Severity))) throw new ExitError(1);
  },
};
