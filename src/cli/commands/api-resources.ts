// `api-resources`: the resource types discovery lists (preferred versions), kubectl's columns.
import type { Command } from '../command.js';
import { getDiscovery } from '../../client/discovery.js';
import type { DiscoveredResource } from '../../client/discovery.js';
import { CliError } from '../errors.js';
import { tabulate } from '../tabwriter.js';

export const command: Command = {
  name: 'api-resources',
  short: 'List the resource types the server offers',
  long: 'List the resource types the server offers, one row per type, in its preferred version.',
  examples: [
    '  # List every resource type the server offers',
    '  a-kubectl api-resources',
    '  ',
    '  # Add the verbs and categories of each type',
    '  a-kubectl api-resources -o wide',
    '  ',
    '  # Only the cluster-wide types, sorted by kind',
    '  a-kubectl api-resources --namespaced=false --sort-by=kind',
    '  ',
    '  # Just the names of the types in the apps group',
    '  a-kubectl api-resources --api-group=apps -o name',
    '  ',
    '  # Types that can be watched',
    '  a-kubectl api-resources --verbs=watch',
  ].join('\n'),
  usage: 'api-resources [flags] [options]',
  flags: [
    { name: 'api-group', kind: 'string', usage: 'Only list types of this API group.' },
    { name: 'cached', kind: 'bool', usage: 'Accepted for compatibility; the list is always read from the server.' },
    { name: 'categories', kind: 'stringSlice', usage: 'Only list types that are in all of these categories (e.g. all).' },
    { name: 'namespaced', kind: 'bool', default: true, usage: 'When given, list only namespaced types (true) or only cluster-wide types (false).' },
    { name: 'no-headers', kind: 'bool', usage: "Leave out the header row in table output." },
    { name: 'output', short: 'o', kind: 'string', usage: 'How to print: wide (adds verbs and categories) or name.' },
    { name: 'sort-by', kind: 'string', usage: "Sort the rows by name or by kind." },
    { name: 'verbs', kind: 'stringSlice', usage: 'Only list types that support all of these verbs (e.g. list,watch).' },
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
