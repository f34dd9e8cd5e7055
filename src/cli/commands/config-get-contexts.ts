// `config get-contexts [NAME…]`
import type { Command } from '../command.js';
import { CliError, ExitError } from '../errors.js';
import { tabulate } from '../tabwriter.js';

export const command: Command = {
  name: 'get-contexts',
  short: 'List the contexts in the kubeconfig',
  long: 'List the contexts of the kubeconfig, or only the named ones; the current one is marked with *.',
  examples: '  # All contexts, the current one marked\n  a-kubectl config get-contexts\n  \n  # Only the names\n  a-kubectl config get-contexts -o name',
  usage: 'config get-contexts [(-o|--output=)name)] [options]',
  flags: [
    { name: 'no-headers', kind: 'bool', usage: "Leave out the header row in table output." },
    { name: 'output', short: 'o', kind: 'string', usage: 'How to print: name prints only the context names.' },
  ],
  async run(ctx, args) {
    const output = args.flags.string('output');
    if (output !== '' && output !== 'name') throw new CliError(`output must be one of '' or 'name': ${output}`);
    const kc = await ctx.factory.kubeconfig();
    const wanted = args.positionals.length > 0 ? args.positionals : [...kc.contexts.keys()].sort();
    const rows: string[][] = [];
    if (output !== 'name' && !args.flags.bool('no-headers')) rows.push(['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE']);
    const missing: string[] = [];
    for (const name of wanted) {
      const c = kc.contexts.get(name);
      if (!c) {
        missing.push(name);
        continue;
      }
      if (output === 'name') {
        ctx.io.stdout.write(`${name}\n`);
        continue;
      }
      const v = (k: string) => (typeof c.value[k] === 'string' ? (c.value[k] as string) : '');
      rows.push([name === kc.currentContext ? '*' : '', name, v('cluster'), v('user'), v('namespace')]);
    }
    if (output !== 'name') ctx.io.stdout.write(tabulate(rows));
    for (const m of missing) ctx.io.stderr.write(`error: context ${m} not found\n`);
    if (missing.length > 0) throw new ExitError(1);
  },
};
