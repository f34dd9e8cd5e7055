// `config set-context [NAME | --current] [--cluster=…] [--user=…] [--namespace=…]`
import type { Command } from '../command.js';
import { setContext } from '../../client/kubeconfig-write.js';
import type { ContextFields } from '../../client/kubeconfig-write.js';
import { CliError } from '../errors.js';

export const command: Command = {
  name: 'set-context',
  short: 'Create or change a context in the kubeconfig',
  long: 'Create a context, or change fields of an existing one.\n\n Only the fields given as flags change; the others keep their values.',
  examples: '  # Point context "staging" at namespace shop\n  a-kubectl config set-context staging --namespace=shop\n  \n  # Change the namespace of the current context\n  a-kubectl config set-context --current --namespace=batch',
  usage: 'config set-context [NAME | --current] [--cluster=cluster_nickname] [--user=user_nickname] [--namespace=namespace] [options]',
  flags: [{ name: 'current', kind: 'bool', usage: 'Change the context that is current now instead of a named one.' }],
  async run(ctx, args) {
    const kc = await ctx.factory.kubeconfig();
    const f = args.flags;
    let name = args.positionals[0];
    if (f.bool('current')) {
      if (name) throw new CliError('you cannot specify both a context name and --current');
      if (!kc.currentContext) throw new CliError('no current context is set');
      name = kc.currentContext;
    }
    if (!name) throw new CliError('you must specify a non-empty context name or --current');
    const fields: ContextFields = {};
    // --cluster, --user and --namespace are global flags; here they name the context's fields
    if (f.has('cluster')) fields.cluster = f.string('cluster');
    if (f.has('user')) fields.user = f.string('user');
    if (f.has('namespace')) fields.namespace = f.string('namespace');
    const result = await setContext(kc, name, fields);
    ctx.io.stdout.write(`Context "${name}" ${result}.\n`);
  },
};
