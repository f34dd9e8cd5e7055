// The run `set image` and `set env` share (kubectl/pkg/cmd/set): fetch each object, change a copy, send the
// two-way strategic merge patch between them (nothing when nothing changed), print "<type>/<name> <done>".
import type { KubeObject } from '../../api/object.js';
import type { FlagSpec, ParsedCommandLine } from '../args.js';
import type { CommandContext } from '../command.js';
import { CliError } from '../errors.js';
import { resourcesRequired } from '../resource-args.js';
import { dryRunFlag, dryRunOf, fieldManagerFlag, filenameFlags, localFlag, outputFlags, selectorFlag } from '../flag-sets.js';
import { readManifests, toInfos } from '../manifests.js';
import { printResult } from '../output.js';
import { definitionFor, isEmptyPatch } from './pod-templates.js';
import { resolveTargets, targetPath, type Target } from './targets.js';
import { singularQualified } from '../../client/rest-mapper.js';

export function setFlags(): FlagSpec[] {
  return [
    ...outputFlags(),
    ...filenameFlags(`with the objects to act on`),
    selectorFlag,
    dryRunFlag,
    fieldManagerFlag('kubectl-set'),
    { name: 'all', kind: 'bool', usage: 'Act on every object of the given types in the namespace' },
    localFlag,
  ];
}


/** Changes `copy` in place; returns false when the object is not one this command can change. */
export type Mutation = (copy: KubeObject, target: Target) => void;

export async function runSetCommand(ctx: CommandContext, args: ParsedCommandLine, resourceArgs: string[], mutate: Mutation, done: string): Promise<void> {
  const f = args.flags;
  const dryRun = f.bool('local') ? 'client' : dryRunOf(f, ctx.io.stderr);
  const signal = ctx.factory.signal;
  let items: { target: Target; object: KubeObject }[];
  if (f.bool('local')) {
    if (f.list('filename').length === 0) throw new CliError('one or more files must be specified as -f rsrc.yaml or --filename=rsrc.json');
    const [mapper, ns] = await Promise.all([ctx.factory.mapper(), ctx.factory.namespace()]);
    const infos = toInfos(mapper, await readManifests(f.list('filename'), { recursive: f.bool('recursive'), stdin: ctx.io.stdin, verb: 'set' }), ns);
    items = infos.map((i) => ({ target: { mapping: i.mapping, namespace: i.namespace, name: i.name, typeName: singularQualified(i.mapping) }, object: i.object }));
  } else {
    if (resourceArgs.length === 0 && f.list('filename').length === 0) throw new CliError(resourcesRequired);
    const client = await ctx.factory.client();
    const targets = await resolveTargets(ctx, f, resourceArgs, 'set', { selectorAllowed: true });
    items = await Promise.all(targets.map(async (target) => ({ target, object: await client.get(targetPath(target), { signal }) })));
  }
  const { createTwoWayMergePatch } = await import('../../api/patch/index.js');
  for (const { target, object } of items) {
    const copy = structuredClone(object);
    mutate(copy, target);
    const patch = createTwoWayMergePatch(object, copy, definitionFor(target.mapping));
    if (isEmptyPatch(patch)) continue;
    let result = copy;
    if (dryRun !== 'client') {
      const client = await ctx.factory.client();
      result = await client.patch(targetPath(target), patch, 'strategic', { query: { fieldManager: f.string('field-manager'), dryRun: dryRun === 'server' ? 'All' : undefined }, signal });
    }
    await printResult(ctx, f, result, target.typeName, done, dryRun);
  }
}
