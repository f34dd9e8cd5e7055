// The objects a workload command acts on: `TYPE NAME…`, `TYPE/NAME…`, `-f FILE`, or `TYPE -l SELECTOR` / `--all`.
import type { KubeObject } from '../../api/object.js';
import type { DiscoveredResource } from '../../client/discovery.js';
import { singularQualified } from '../../client/rest-mapper.js';
import type { FlagValues } from '../args.js';
import type { CommandContext } from '../command.js';
import { CliError, programName } from '../errors.js';
import { readManifests, toInfos } from '../manifests.js';
import { parseResourceArgs, pathFor } from '../resource-args.js';

export interface Target {
  mapping: DiscoveredResource;
  namespace: string | undefined;
  name: string;
  /** "deployment.apps": how output lines name the type. */
  typeName: string;
}

export function targetPath(t: Target, subresource?: string): string {
  return pathFor(t.mapping, t.namespace, t.name, subresource);
}

export async function resolveTargets(ctx: CommandContext, flags: FlagValues, args: string[], verb: string, opts: { selectorAllowed?: boolean } = {}): Promise<Target[]> {
  const [mapper, ns] = await Promise.all([ctx.factory.mapper(), ctx.factory.namespace()]);
  const files = flags.has('filename') ? flags.list('filename') : [];
  const make = (mapping: DiscoveredResource, namespace: string | undefined, name: string): Target => ({
    mapping,
    namespace: mapping.namespaced ? namespace : undefined,
    name,
    typeName: singularQualified(mapping),
  });
  if (files.length > 0) {
    const manifests = await readManifests(files, { recursive: flags.has('recursive') && flags.bool('recursive'), stdin: ctx.io.stdin, verb });
    return toInfos(mapper, manifests, ns).map((i) => make(i.mapping, i.namespace, i.name));
  }
  if (args.length === 0) throw new CliError('you must provide one or more resources by argument or filename (.json|.yaml|.yml|stdin)');
  const out: Target[] = [];
  const client = await ctx.factory.client();
  for (const sel of parseResourceArgs(mapper, args, programName, verb)) {
    if (sel.names.length > 0) {
      out.push(...sel.names.map((n) => make(sel.mapping, ns.namespace, n)));
      continue;
    }
    const selector = flags.has('selector') ? flags.string('selector') : '';
    const all = flags.has('all') && flags.bool('all');
    if (!opts.selectorAllowed || (!selector && !all)) throw new CliError('resource(s) were provided, but no name was specified');
    const listed = await client.list<KubeObject>(pathFor(sel.mapping, ns.namespace), { query: { labelSelector: selector || undefined }, signal: ctx.factory.signal });
    out.push(...listed.items.map((o) => make(sel.mapping, o.metadata.namespace ?? ns.namespace, o.metadata.name ?? '')));
  }
  if (out.length === 0) throw new CliError('no objects passed to ' + verb);
  return out;
}
