// `top pod [NAME | -l selector] [-A] [--containers] [--sum]`: each pod's CPU and memory from metrics.k8s.io.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { isNotFound } from '../../client/api-error.js';
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import { tabulate } from '../tabwriter.js';
import { metricsBase, parseTopTarget, topFlags } from './top-args.js';
import { bytesOf, cpuCell, memoryCell, milliCores, sortRows } from './top-format.js';

interface ContainerUsage {
  name: string;
  cpu: number;
  memory: number;
}

function containersOf(m: KubeObject): ContainerUsage[] {
  const list = Array.isArray(m['containers']) ? m['containers'].filter(isRecord) : [];
  return list.map((c) => {
    const usage = isRecord(c['usage']) ? c['usage'] : {};
    return { name: String(c['name'] ?? ''), cpu: milliCores(usage['cpu']), memory: bytesOf(usage['memory']) };
  });
}

function total(m: KubeObject): { cpu: number; memory: number } {
  return containersOf(m).reduce((t, c) => ({ cpu: t.cpu + c.cpu, memory: t.memory + c.memory }), { cpu: 0, memory: 0 });
}

const cpuText = (milli: number) => cpuCell(`${milli}m`);
const memText = (bytes: number) => memoryCell(bytes);

export const command: Command = {
  name: 'pod',
  short: 'Display resource (CPU/memory) usage of pods',
  long: 'Show the CPU and memory the pods of a namespace (or of every namespace with -A) use, per pod or per container.',
  examples: [
    '  # The pods of the current namespace',
    '  a-kubectl top pod',
    '',
    '  # Every namespace, per container, busiest CPU first',
    '  a-kubectl top pod -A --containers --sort-by=cpu',
  ].join('\n'),
  usage: 'top pod [NAME | -l label] [options]',
  flags: [
    ...topFlags('pods'),
    { name: 'all-namespaces', short: 'A', kind: 'bool', usage: 'Show the pods of every namespace.' },
    { name: 'containers', kind: 'bool', usage: 'One line per container instead of per pod.' },
    { name: 'sum', kind: 'bool', usage: 'Add a line with the total of the lines shown.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const { name, query, sortBy, noHeaders } = parseTopTarget(ctx, args, 'pod');
    const all = f.bool('all-namespaces') && !name;
    const { namespace } = await ctx.factory.namespace();
    const client = await ctx.factory.client();
    const signal = ctx.factory.signal;
    const scope = all ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
    let metrics: KubeObject[];
    try {
      metrics = name
        ? [await client.get(`${metricsBase}${scope}/pods/${encodeURIComponent(name)}`, { signal })]
        : (await client.list(`${metricsBase}${scope}/pods`, { signal, query })).items;
    } catch (e) {
      if (!isNotFound(e)) throw e;
      if (!name) throw new CliError('Metrics API not available');
      // No metrics for a pod that exists: it has not been measured yet.
      const pod = await client.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`, { signal });
      throw new CliError(`Metrics not available for pod ${namespace}/${pod.metadata.name ?? name}, age: ${age(pod, ctx.factory.now())}`);
    }
    if (metrics.length === 0) {
      const pods = await client.list(`/api/v1${scope}/pods`, { signal, query });
      if (pods.items.length > 0) throw new CliError('metrics not available yet');
      ctx.io.stderr.write(all ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`);
      return;
    }
    metrics = sortRows(metrics, sortBy, total);
    const withNs = (m: KubeObject, cells: string[]) => (all ? [m.metadata.namespace ?? '', ...cells] : cells);
    const rows: string[][] = [];
    let sum = { cpu: 0, memory: 0 };
    for (const m of metrics) {
      if (f.bool('containers')) {
        for (const c of containersOf(m)) rows.push(withNs(m, [m.metadata.name ?? '', c.name, cpuText(c.cpu), memText(c.memory)]));
      } else {
        const t = total(m);
        rows.push(withNs(m, [m.metadata.name ?? '', cpuText(t.cpu), memText(t.memory)]));
      }
      const t = total(m);
      sum = { cpu: sum.cpu + t.cpu, memory: sum.memory + t.memory };
    }
    const header = [...(all ? ['NAMESPACE'] : []), ...(f.bool('containers') ? ['POD', 'NAME'] : ['NAME']), 'CPU(cores)', 'MEMORY(bytes)'];
    const table = noHeaders ? rows : [header, ...rows];
    if (f.bool('sum')) {
      const blanks = header.length - 2;
      table.push([...Array<string>(blanks).fill(''), '________', '________']);
      table.push([...Array<string>(blanks).fill(''), cpuText(sum.cpu), memText(sum.memory)]);
    }
    ctx.io.stdout.write(tabulate(table));
  },
};

function age(pod: KubeObject, now: Date): string {
  const created = Date.parse(pod.metadata.creationTimestamp ?? '');
  if (Number.isNaN(created)) return '<unknown>';
  const s = Math.max(0, Math.floor((now.getTime() - created) / 1000));
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${s % 60}s` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m${s % 60}s`;
}
