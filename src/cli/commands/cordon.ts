// `cordon NODE` / `uncordon NODE`: mark a node (un)schedulable through spec.unschedulable, as kubectl's drain
// helper does with a strategic merge patch.
import { isRecord } from '../../api/object.js';
import type { Command, CommandContext } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { selectorFlag } from '../flag-sets.js';
import type { RestClient } from '../../client/rest.js';

export async function setUnschedulable(client: Pick<RestClient, 'get' | 'patch' | 'list'>, node: string, desired: boolean, signal: AbortSignal): Promise<boolean> {
  const path = `/api/v1/nodes/${encodeURIComponent(node)}`;
  const current = await client.get(path, { signal });
  const now = isRecord(current.spec) && current.spec.unschedulable === true;
  if (now === desired) return false;
  await client.patch(path, { spec: { unschedulable: desired ? true : null } }, 'strategic', { signal });
  return true;
}

async function nodeNames(ctx: CommandContext, positionals: string[], selector: string): Promise<string[]> {
  if (positionals.length > 0 && selector) throw new CliError('cannot specify both a node name and a --selector option');
  if (positionals.length > 0) return positionals.map((p) => p.replace(/^(nodes?|no)\//, ''));
  if (!selector) throw new UsageError('USAGE: NODE [flags]', ctx.path);
  const client = await ctx.factory.client();
  const list = await client.list('/api/v1/nodes', { query: { labelSelector: selector }, signal: ctx.factory.signal });
  return list.items.map((n) => n.metadata.name ?? '');
}

function schedulingCommand(name: 'cordon' | 'uncordon'): Command {
  const desired = name === 'cordon';
  return {
    name,
    short: desired ? 'Stop new pods from being scheduled onto a node' : 'Let the scheduler place pods onto a node again',
    long: desired ? 'Mark a node as unschedulable: the scheduler places no new pods there; pods already on it keep running.' : 'Mark a node as schedulable again after a cordon or a drain.',
    examples: `  # Mark node "foo" as ${desired ? 'unschedulable' : 'schedulable'}\n  a-kubectl ${name} foo`,
    usage: `${name} NODE [options]`,
    flags: [selectorFlag, { name: 'dry-run', kind: 'string', default: 'none', usage: 'Must be "none", "server", or "client". With "client" or "server", only print what would change.' }],
    async run(ctx, args) {
      const dryRun = args.flags.string('dry-run');
      const client = await ctx.factory.client();
      for (const node of await nodeNames(ctx, args.positionals, args.flags.string('selector'))) {
        const suffix = dryRun === 'client' || dryRun === 'server' ? ` (${dryRun} dry run)` : '';
        if (suffix) {
          ctx.io.stdout.write(`node/${node} ${name}ed${suffix}\n`);
          continue;
        }
        const changed = await setUnschedulable(client, node, desired, ctx.factory.signal);
        ctx.io.stdout.write(changed ? `node/${node} ${name}ed\n` : `node/${node} already ${name}ed\n`);
      }
    },
  };
}

export const cordonCommand = schedulingCommand('cordon');
export const uncordonCommand = schedulingCommand('uncordon');
