// `rollout history (TYPE NAME | TYPE/NAME)`: the revisions of a deployment and their change causes.
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import { formatTabbed } from '../tabwriter.js';
import { filenameFlags, selectorFlag } from '../flag-sets.js';
import { changeCauseAnnotation, deploymentRevisions } from './rollout-revisions.js';
import { resolveTargets, targetPath } from './targets.js';

export const command: Command = {
  name: 'history',
  short: 'List the recorded revisions of a workload',
  long: 'List the recorded revisions of a workload, or show one revision\'s pod template.',
  examples: '  # Revisions of Deployment "api"\n  a-kubectl rollout history deployment/api\n  \n  # The pod template of revision 3\n  a-kubectl rollout history deployment/api --revision=3',
  usage: 'rollout history (TYPE NAME | TYPE/NAME) [flags] [options]',
  flags: [...filenameFlags('with the objects to act on'), selectorFlag, { name: 'revision', kind: 'int', usage: 'Show this revision in full, with its pod template' }],
  async run(ctx, args) {
    const f = args.flags;
    const targets = await resolveTargets(ctx, f, args.positionals, 'history', { selectorAllowed: true });
    const client = await ctx.factory.client();
    const signal = ctx.factory.signal;
    for (const t of targets) {
      if (t.mapping.group !== 'apps' || t.mapping.kind !== 'Deployment') throw new CliError(`no history viewer has been implemented for ${t.mapping.group ? `${t.mapping.kind}.${t.mapping.group}` : t.mapping.kind}`);
      const deployment = await client.get(targetPath(t), { signal });
      const history = await deploymentRevisions(client, deployment, signal);
      const revision = f.int('revision');
      if (revision > 0) {
        const rs = history.get(revision);
        if (!rs) throw new CliError(`unable to find the specified revision`);
        const { stringify } = await import('yaml');
        const template = rs.spec && typeof rs.spec === 'object' ? (rs.spec as { template?: unknown }).template : undefined;
        ctx.io.stdout.write(`${t.typeName}/${t.name} with revision #${revision}\n${stringify(template ?? {}, { version: '1.1' })}\n`);
        continue;
      }
      const rows = ['REVISION\tCHANGE-CAUSE', ...[...history].map(([rev, rs]) => `${rev}\t${rs.metadata.annotations?.[changeCauseAnnotation] || '<none>'}`)];
      const table = history.size === 0 ? 'No rollout history found.' : formatTabbed(`${rows.join('\n')}\n`, { minwidth: 0, padding: 2 });
      ctx.io.stdout.write(`${t.typeName}/${t.name} \n${table}\n`);
    }
  },
};
