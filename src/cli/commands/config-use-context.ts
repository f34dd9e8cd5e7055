// `config use-context NAME`
import type { Command } from '../command.js';
import { useContext } from '../../client/kubeconfig-write.js';
import { UsageError } from '../errors.js';

export const command: Command = {
  name: 'use-context',
  aliases: ['use'],
  short: 'Switch the kubeconfig to another context',
  long: 'Make the named context the current one in the kubeconfig.',
  examples: '  # Work with the staging cluster from now on\n  a-kubectl config use-context staging',
  usage: 'config use-context CONTEXT_NAME [options]',
  flags: [],
  async run(ctx, args) {
    const name = args.positionals[0];
    if (args.positionals.length !== 1 || !name) throw new UsageError('Unexpected args: ' + JSON.stringify(args.positionals), ctx.path);
    await useContext(await ctx.factory.kubeconfig(), name);
    ctx.io.stdout.write(`Switched to context "${name}".\n`);
  },
};
