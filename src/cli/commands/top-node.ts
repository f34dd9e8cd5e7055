// `top node [NAME | -l selector]`: each node's CPU and memory from metrics.k8s.io, with the share of what the
// node can give to pods (allocatable; capacity with --show-capacity).
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { isNotFound } from '../../client/api-error.js';
import type { Command } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { tabulate } from '../tabwriter.js';
import { bytesOf, cpuCell, memoryCell, milliCores, parseSortBy, percentCell, sortRows } from './top-format.js';

const metricsBase = '/apis/metrics.k8s.io/v1beta1';

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
    { name: 'no-headers', kind: 'bool', usage: 'Leave out the header line.' },
    { name: 'selector', short: 'l', kind: 'string', usage: 'Label selector the nodes must match (e.g. -l key1=value1,key2=value2).' },
    { name: 'show-capacity', kind: 'bool', usage: 'Compare usage with the node\'s capacity instead of its allocatable resources.' },
    { name: 'sort-by', kind: 'string', usage: 'Order the nodes by cpu or memory, largest first.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    if (args.positionals.length > 1) throw new UsageError('at most one node name may be given', ctx.path);
    const name = args.positionals[0] ?? '';
    const selector = f.string('selector');
    if (name && selector) throw new UsageError('only one of NAME or --selector can be provided', ctx.path);
    let sortBy;
    try {
      sortBy = parseSortBy(f.string('sort-by'));
    } catch (e) {
      throw new CliError(e instanceof Error ? e.message : String(e));
    }
    const client = await ctx.factory.client();
    const signal = ctx.factory.signal;
    let metrics: KubeObject[];
    try {
      metrics = name
        ? [await client.get(`${metricsBase}/nodes/${encodeURIComponent(name)}`, { signal })]
        : (await client.list(`${metricsBase}/nodes`, { signal, ...(selector ? { query: { labelSelector: selector } } : {}) })).items;
    } catch (e) {
      if (isNotFound(e) && !name) throw new CliError('Metrics API not available');
      throw e;
    }
    if (metrics.length === 0) throw new CliError('metrics not available yet');
    const nodes = name
      ? [await client.get(`/api/v1/nodes/${encodeURIComponent(name)}`, { signal })]
      : (await client.list('/api/v1/nodes', { signal, ...(selector ? { query: { labelSelector: selector } } : {}) })).items;
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
    ctx.io.stdout.write(tabulate(f.bool('no-headers') ? rows : [header, ...rows]));
  },
};
