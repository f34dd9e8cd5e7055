// `describe (TYPE [NAME_PREFIX] | TYPE/NAME | -f FILE)`: kubectl's human-readable detail view.
import type { KubeObject } from '../../api/object.js';
import { isNotFound } from '../../client/api-error.js';
import type { DiscoveredResource } from '../../client/discovery.js';
import type { RestClient } from '../../client/rest.js';
import type { Command, CommandContext } from '../command.js';
import { CliError, errorText, ExitError, programName } from '../errors.js';
import { filenameFlags, selectorFlag } from '../flag-sets.js';
import { readManifests, toInfos } from '../manifests.js';
import { parseResourceArgs, pathFor } from '../resource-args.js';
import { describeObject } from '../describe/describers.js';
import type { DescribeExtras } from '../describe/describers.js';
import { formatSelector } from '../describe/format.js';
import { listAll, itemsOf } from './get.js';

interface Target {
  mapping: DiscoveredResource;
  namespace: string | undefined;
  name?: string;
}

export const command: Command = {
  name: 'describe',
  short: 'Show a readable report of resources, with their events',
  long: [
    'Print a readable report on the chosen objects: their main fields, related objects (such as the pods of a',
    'workload) and recent events.',
    '',
    ' Choose objects by TYPE NAME, by TYPE alone (all objects of the type), by label selector, or from files.',
    ' A NAME that matches no object exactly is taken as a prefix:',
    '',
    '        $ a-kubectl describe pods api-',
    '        ',
    ' reports on every pod whose name starts with api-.',
  ].join('\n'),
  examples: [
    '  # Report on node worker-2, its capacity, conditions and pods',
    '  a-kubectl describe node worker-2',
    '  ',
    '  # Report on the pods of the shop app',
    '  a-kubectl describe pods -l app=shop',
  ].join('\n'),
  usage: 'describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME) [options]',
  flags: [
    ...filenameFlags('with the objects to describe'),
    selectorFlag,
    { name: 'all-namespaces', short: 'A', kind: 'bool', usage: 'Work on every namespace; the current and --namespace namespaces are ignored.' },
    { name: 'chunk-size', kind: 'int', default: 500, usage: 'Fetch lists in pages of this many items; 0 fetches everything in one request.' },
    { name: 'show-events', kind: 'bool', default: true, usage: 'Include the events about each object.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const files = f.list('filename');
    if (args.positionals.length === 0 && files.length === 0) {
      throw new CliError('You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list of supported resources.\n');
    }
    const [mapper, ns, client] = await Promise.all([ctx.factory.mapper(), ctx.factory.namespace(), ctx.factory.client()]);
    const signal = ctx.factory.signal;
    const targets: Target[] = [];
    if (files.length > 0) {
      const infos = toInfos(mapper, await readManifests(files, { recursive: f.bool('recursive'), stdin: ctx.io.stdin, verb: 'describe' }), ns);
      targets.push(...infos.map((i) => ({ mapping: i.mapping, namespace: i.namespace, name: i.name })));
    } else {
      for (const sel of parseResourceArgs(mapper, args.positionals, programName, 'describe')) {
        const namespace = f.bool('all-namespaces') ? undefined : ns.namespace;
        if (sel.names.length === 0) targets.push({ mapping: sel.mapping, namespace });
        else targets.push(...sel.names.map((name) => ({ mapping: sel.mapping, namespace: ns.namespace, name })));
      }
    }
    const outputs: string[] = [];
    let failed = false;
    for (const t of targets) {
      try {
        const objects = await resolveTargets(client, t, f.string('selector'), f.int('chunk-size'), signal);
        for (const o of objects) outputs.push(describeObject(o, await extrasFor(ctx, client, o, f.bool('show-events'))));
        if (objects.length === 0 && t.name === undefined) ctx.io.stderr.write(t.namespace ? `No resources found in ${t.namespace} namespace.\n` : 'No resources found\n');
      } catch (e) {
        failed = true;
        ctx.io.stderr.write(`${errorText(e)}\n`);
      }
    }
    ctx.io.stdout.write(outputs.join('\n\n'));
    if (failed) throw new ExitError(1);
  },
};

async function resolveTargets(client: RestClient, t: Target, selector: string, chunk: number, signal: AbortSignal): Promise<KubeObject[]> {
  const withKind = (o: KubeObject) => ({ ...o, kind: o.kind ?? t.mapping.kind });
  if (t.name !== undefined) {
    try {
      return [withKind(await client.get(pathFor(t.mapping, t.namespace, t.name), { accept: 'application/json', signal }))];
    } catch (e) {
      if (!isNotFound(e)) throw e;
      // no exact match: every object whose name starts with the word
      const pages = await listAll(client, pathFor(t.mapping, t.namespace), {}, 'application/json', chunk, signal);
      const matches = pages.flatMap((p) => itemsOf(p, t.mapping)).filter((o) => (o.metadata.name ?? '').startsWith(t.name ?? ''));
      if (matches.length === 0) throw e;
      return matches;
    }
  }
  const pages = await listAll(client, pathFor(t.mapping, t.namespace), selector ? { labelSelector: selector } : {}, 'application/json', chunk, signal);
  return pages.flatMap((p) => itemsOf(p, t.mapping));
}

async function extrasFor(ctx: CommandContext, client: RestClient, o: KubeObject, showEvents: boolean): Promise<DescribeExtras> {
  const signal = ctx.factory.signal;
  const x: DescribeExtras = { now: ctx.factory.now() };
  const ns = o.metadata.namespace;
  if (showEvents && o.kind !== 'Namespace' && o.kind !== 'Secret') {
    const fieldSelector = [`involvedObject.name=${o.metadata.name ?? ''}`, `involvedObject.namespace=${ns ?? ''}`, `involvedObject.uid=${o.metadata.uid ?? ''}`].join(',');
    try {
      const events = await client.list(ns ? `/api/v1/namespaces/${ns}/events` : '/api/v1/events', { query: { fieldSelector, limit: '500' }, signal });
      x.events = events.items;
    } catch {
      x.events = [];
    }
  }
  const selector = formatSelector((o.spec as { selector?: unknown } | undefined)?.selector);
  const owned = (items: KubeObject[]) => items.filter((i) => i.metadata.ownerReferences?.some((r) => r.uid === o.metadata.uid));
  if (o.kind === 'Deployment' && ns && selector !== '<none>') {
    x.replicaSets = owned((await client.list(`/apis/apps/v1/namespaces/${ns}/replicasets`, { query: { labelSelector: selector, limit: '500' }, signal })).items);
  }
  if (o.kind === 'ReplicaSet' && ns && selector !== '<none>') {
    x.pods = owned((await client.list(`/api/v1/namespaces/${ns}/pods`, { query: { labelSelector: selector, limit: '500' }, signal })).items);
  }
  return x;
}
