// `api-versions`: every served group/version, sorted.
import type { Command } from '../command.js';
import { getDiscovery } from '../../client/discovery.js';

export const command: Command = {
  name: 'api-versions',
  short: 'List the group/version pairs the server serves',
  long: 'List every group/version pair the server serves, one per line.',
  examples: '  # One line per group/version, e.g. apps/v1\n  a-kubectl api-versions',
  usage: 'api-versions [options]',
  flags: [],
  async run(ctx) {
    const d = await getDiscovery(await ctx.factory.client(), ctx.factory.signal);
    const versions = d.groups.flatMap((g) => g.versions.map((v) => (g.name === '' ? v : `${g.name}/${v}`))).sort();
    ctx.io.stdout.write(versions.map((v) => `${v}\n`).join(''));
  },
};
