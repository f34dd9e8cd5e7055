// `top node [NAME | -l selector]`: each node's CPU and memory from metrics.k8s.io, with the share of what the
// node can give to pods (allocatable; capacity with --show-capacity).
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { isNotFound } from '../../client/api-error.js';
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import { tabulate } from '../tabwriter.js';
import { metricsBase, parseTopTarget, topFlags } from './top-args.js';
import { bytesOf, cpuCell, memoryCell, milliCores, percentCell, sortRows } from './top-format.js';

function usageOf(m: KubeObject): Record<string, unknown> {
  return isRecord(m['usage']) ? m['usage'] : {};
}

export const command: Command = {
  name: 'node',
  short: 'Display resource (CPU/memory) usage of nodes',
  long: 'Show the CPU and memory each node uses, and how much of what the node offers to pods that is.',
  examples: [
    '  # Every node',
    '  a-kubectl top node',
    '',
    '  # One node, against its full capacity rather than what pods may use',
    '  a-kubectl top node vm --show-capacity',
  ].join('\n'),
  usage: 'top node [NAME | -l label] [options]',
  flags: [
    ...topFlags('nodes'),
    { name: 'show-capacity', kind: 'bool', usage: 'Compare usage with the node\'s capacity instead of its allocatable resources.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const { name, query, sortBy, noHeaders } = parseTopTarget(ctx, args, 'node');
    const client = await ctx.factory.client();
    const signal = ctx.factory.signal;
    let metrics: KubeObject[];
    try {
      metrics = name
        ? [await client.get(`${metricsBase}/nodes/${encodeURIComponent(name)}`, { signal })]
        : (await client.list(`${metricsBase}/nodes`, { signal, query })).items;
    } catch (e) {
      if (isNotFound(e) && !name) throw new CliError('Metrics API not available');
      throw e;
    }
    if (metrics.length === 0) throw new CliError('metrics not available yet');
    const nodes = name
      ? [await client.get(`/api/v1/nodes/${encodeURIComponent(name)}`, { signal })]
      : (await client.list('/api/v1/nodes', { signal, query })).items;
    const field = f.bool('show-capacity') ? 'capacity' : 'allocatable';
    const totals = new Map<string, Record<string, unknown>>();
    for (const n of nodes) {
      const status = isRecord(n['status']) ? n['status'] : {};
      totals.set(n.metadata.name ?? '', isRecord(status[field]) ? status[field] : {});
    }
    const rows = sortRows(metrics, sortBy, (m) => ({ cpu: milliCores(usageOf(m)['cpu']), memory: bytesOf(usageOf(m)['memory']) })).map((m) => {
      const u = usageOf(m);
      const total = totals.get(m.metadata.name ?? '') ?? {};
      return [m.metadata.name ?? '', cpuCell(u['cpu']), percentCell(milliCores(u['cpu']), milliCores(total['cpu'])), memoryCell(u['memory']), percentCell(bytesOf(u['memory']), bytesOf(total['memory']))];
    });
    // Nodes the metrics do not cover yet still get a line.
    const measured = new Set(metrics.map((m) => m.metadata.name));
    for (const n of nodes) if (!measured.has(n.metadata.name)) rows.push([n.metadata.name ?? '', '<unknown>', '<unknown>', '<unknown>', '<unknown>']);
    const header = ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'];
    ctx.io.stdout.write(tabulate(noHeaders ? rows : [header, ...rows]));
  },
};
