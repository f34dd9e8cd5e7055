// `config current-context`
import type { Command } from '../command.js';
import { CliError } from '../errors.js';

export const command: Command = {
  name: 'current-context',
  short: 'Print the name of the current context',
  long: 'Print the name of the context the kubeconfig currently selects.',
  examples: '  # Which context is a-kubectl using?\n  a-kubectl config current-context',
  usage: 'config current-context [options]',
  flags: [],
  async run(ctx) {
    const kc = await ctx.factory.kubeconfig();
    if (!kc.currentContext) throw new CliError('current-context is not set');
    ctx.io.stdout.write(`${kc.currentContext}\n`);
  },
};
