// `api-resources`: the resource types discovery lists (preferred versions), kubectl's columns.
import type { Command } from '../command.js';
import { getDiscovery } from '../../client/discovery.js';
import type { DiscoveredResource } from '../../client/discovery.js';
import { CliError } from '../errors.js';
import { tabulate } from '../tabwriter.js';

export const command: Command = {
  name: 'api-resources',
  short: 'Print the supported API resources on the server',
  long: 'Print the supported API resources on the server.',
  examples: [
    '  # Print the supported API resources',
    '  kubectl api-resources',
    '  ',
    '  # Print the supported API resources with more information',
    '  kubectl api-resources -o wide',
    '  ',
    '  # Print the supported API resources sorted by a column',
    '  kubectl api-resources --sort-by=name',
    '  ',
    '  # Print the supported namespaced resources',
    '  kubectl api-resources --namespaced=true',
    '  ',
    '  # Print the supported non-namespaced resources',
    '  kubectl api-resources --namespaced=false',
    '  ',
    '  # Print the supported API resources with a specific APIGroup',
    '  kubectl api-resources --api-group=rbac.authorization.k8s.io',
  ].join('\n'),
  usage: 'api-resources [flags] [options]',
  flags: [
    { name: 'api-group', kind: 'string', usage: 'Limit to resources in the specified API group.' },
    { name: 'cached', kind: 'bool', usage: 'Use the cached list of resources if available.' },
    { name: 'categories', kind: 'stringSlice', usage: 'Limit to resources that belong to the specified categories.' },
    { name: 'namespaced', kind: 'bool', default: true, usage: 'If false, non-namespaced resources will be returned, otherwise returning namespaced resources by default.' },
    { name: 'no-headers', kind: 'bool', usage: "When using the default or custom-column output format, don't print headers (default print headers)." },
    { name: 'output', short: 'o', kind: 'string', usage: 'Output format. One of: (wide, name).' },
    { name: 'sort-by', kind: 'string', usage: "If non-empty, sort list of resources using specified field. The field can be either 'name' or 'kind'." },
    { name: 'verbs', kind: 'stringSlice', usage: 'Limit to resources that support the specified verbs.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const output = f.string('output');
    if (output !== '' && output !== 'wide' && output !== 'name') throw new CliError(`--output ${output} is not available`);
    const sortBy = f.string('sort-by');
    if (sortBy !== '' && sortBy !== 'name' && sortBy !== 'kind') throw new CliError(`--sort-by accepts only name or kind`);
    const d = await getDiscovery(await ctx.factory.client(), ctx.factory.signal);
    let list: DiscoveredResource[] = d.resources.filter((r) => r.preferred);
    if (f.has('api-group')) list = list.filter((r) => r.group === f.string('api-group'));
    if (f.has('namespaced')) list = list.filter((r) => r.namespaced === f.bool('namespaced'));
    const verbs = f.list('verbs');
    if (verbs.length > 0) list = list.filter((r) => verbs.every((v) => r.verbs.includes(v)));
    const categories = f.list('categories');
    if (categories.length > 0) list = list.filter((r) => categories.every((c) => r.categories.includes(c)));
    list = [...list].sort((a, b) => (a.group === b.group ? a.resource.localeCompare(b.resource) : a.group.localeCompare(b.group)));
    if (sortBy === 'name') list.sort((a, b) => a.resource.localeCompare(b.resource));
    if (sortBy === 'kind') list.sort((a, b) => a.kind.localeCompare(b.kind));

    if (output === 'name') {
      ctx.io.stdout.write(list.map((r) => (r.group ? `${r.resource}.${r.group}\n` : `${r.resource}\n`)).join(''));
      return;
    }
    const wide = output === 'wide';
    const rows: string[][] = [];
    if (!f.bool('no-headers')) rows.push(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', ...(wide ? ['VERBS', 'CATEGORIES'] : [])]);
    for (const r of list) {
      rows.push([
        r.resource,
        r.shortNames.join(','),
        r.group ? `${r.group}/${r.version}` : r.version,
        String(r.namespaced),
        r.kind,
        ...(wide ? [r.verbs.join(','), r.categories.join(',')] : []),
      ]);
    }
    ctx.io.stdout.write(tabulate(rows));
  },
};
