// `top pod [NAME | -l selector] [-A] [--containers] [--sum]`: each pod's CPU and memory from metrics.k8s.io.
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { isNotFound } from '../../client/api-error.js';
import type { Command } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { tabulate } from '../tabwriter.js';
import { bytesOf, cpuCell, memoryCell, milliCores, parseSortBy, sortRows } from './top-format.js';

const metricsBase = '/apis/metrics.k8s.io/v1beta1';

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
    { name: 'all-namespaces', short: 'A', kind: 'bool', usage: 'Show the pods of every namespace.' },
    { name: 'containers', kind: 'bool', usage: 'One line per container instead of per pod.' },
    { name: 'no-headers', kind: 'bool', usage: 'Leave out the header line.' },
    { name: 'selector', short: 'l', kind: 'string', usage: 'Label selector the pods must match (e.g. -l key1=value1,key2=value2).' },
    { name: 'sort-by', kind: 'string', usage: 'Order the pods by cpu or memory, largest first.' },
    { name: 'sum', kind: 'bool', usage: 'Add a line with the total of the lines shown.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    if (args.positionals.length > 1) throw new UsageError('at most one pod name may be given', ctx.path);
    const name = args.positionals[0] ?? '';
    const selector = f.string('selector');
    if (name && selector) throw new UsageError('only one of NAME or --selector can be provided', ctx.path);
    let sortBy;
    try {
      sortBy = parseSortBy(f.string('sort-by'));
    } catch (e) {
      throw new CliError(e instanceof Error ? e.message : String(e));
    }
    const all = f.bool('all-namespaces') && !name;
    const { namespace } = await ctx.factory.namespace();
    const client = await ctx.factory.client();
    const signal = ctx.factory.signal;
    const scope = all ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
    let metrics: KubeObject[];
    try {
      metrics = name
        ? [await client.get(`${metricsBase}${scope}/pods/${encodeURIComponent(name)}`, { signal })]
        : (await client.list(`${metricsBase}${scope}/pods`, { signal, ...(selector ? { query: { labelSelector: selector } } : {}) })).items;
    } catch (e) {
      if (!isNotFound(e)) throw e;
      if (!name) throw new CliError('Metrics API not available');
      // No metrics for a pod that exists: it has not been measured yet.
      const pod = await client.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`, { signal });
      throw new CliError(`Metrics not available for pod ${namespace}/${pod.metadata.name ?? name}, age: ${age(pod, ctx.factory.now())}`);
    }
    if (metrics.length === 0) {
      const pods = await client.list(`/api/v1${scope}/pods`, { signal, ...(selector ? { query: { labelSelector: selector } } : {}) });
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
    const table = f.bool('no-headers') ? rows : [header, ...rows];
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
