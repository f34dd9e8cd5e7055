// The run shared by `label` and `annotate`.
import type { KubeObject } from '../../api/object.js';
import type { DiscoveredResource } from '../../client/discovery.js';
import { singularQualified } from '../../client/rest-mapper.js';
import type { FlagSpec, ParsedCommandLine } from '../args.js';
import type { CommandContext } from '../command.js';
import { CliError, errorText, ExitError, programName } from '../errors.js';
import { dryRunFlag, dryRunOf, dryRunSuffix, filenameFlags, localFlag, outputFlags, selectorFlag } from '../flag-sets.js';
import { readManifests, toInfos } from '../manifests.js';
import { isChangeArg, metadataPatch, overwriteConflicts, parseChanges } from '../metadata-edit.js';
import { printObjects } from '../output.js';
import { parseResourceArgs, pathFor } from '../resource-args.js';
import { listAll } from './get.js';

export function metadataFlags(what: string): FlagSpec[] {
  return [
    ...outputFlags(),
    ...filenameFlags(`with the objects whose ${what} to change`),
    selectorFlag,
    dryRunFlag,
    { name: 'all', kind: 'bool', usage: `Act on every object of the given types in the namespace` },
    { name: 'all-namespaces', short: 'A', kind: 'bool', usage: 'Work on the matching objects of every namespace.' },
    { name: 'field-manager', kind: 'string', default: `kubectl-${what === 'labels' ? 'label' : 'annotate'}`, usage: 'Manager name recorded in managedFields for the fields this command sets.' },
    { name: 'field-selector', kind: 'string', usage: "Field selector, e.g. status.phase=Running,spec.nodeName!=worker-1 (=, == and != only; each type allows a few fields)." },
    localFlag,
    { name: 'overwrite', kind: 'bool', usage: `Allow changing ${what} that already have a value (without it such a change fails).` },
    { name: 'resource-version', kind: 'string', usage: `Change the ${what} only if the object is still at this resourceVersion (one object only).` },
  ];
}

interface Target {
  mapping: DiscoveredResource;
  namespace: string | undefined;
  name: string;
}

export async function runMetadataCommand(ctx: CommandContext, args: ParsedCommandLine, kind: 'label' | 'annotation'): Promise<void> {
  const f = args.flags;
  const field = kind === 'label' ? 'labels' : 'annotations';
  const files = f.list('filename');
  const firstChange = args.positionals.findIndex(isChangeArg);
  const resourceArgs = firstChange < 0 ? args.positionals : args.positionals.slice(0, firstChange);
  const changeArgs = firstChange < 0 ? [] : args.positionals.slice(firstChange);
  if (changeArgs.length === 0) throw new CliError(`at least one ${kind} update is required`);
  if (resourceArgs.length === 0 && files.length === 0) throw new CliError('one or more resources must be specified as <resource> <name> or <resource>/<name>');
  const changes = parseChanges(changeArgs, kind);
  const dryRun = dryRunOf(f, ctx.io.stderr);
  const [mapper, ns, client] = await Promise.all([ctx.factory.mapper(), ctx.factory.namespace(), ctx.factory.client()]);
  const signal = ctx.factory.signal;
  const targets: Target[] = [];
  if (files.length > 0) {
    const infos = toInfos(mapper, await readManifests(files, { recursive: f.bool('recursive'), stdin: ctx.io.stdin, verb: kind }), ns);
    targets.push(...infos.map((i) => ({ mapping: i.mapping, namespace: i.namespace, name: i.name })));
  } else {
    for (const sel of parseResourceArgs(mapper, resourceArgs, programName, kind)) {
      if (sel.names.length > 0) {
        targets.push(...sel.names.map((name) => ({ mapping: sel.mapping, namespace: ns.namespace, name })));
        continue;
      }
      if (!f.bool('all') && !f.has('selector') && !f.has('field-selector')) throw new CliError('resource(s) were provided, but no name was specified');
      const namespace = f.bool('all-namespaces') ? undefined : ns.namespace;
      const query: Record<string, string> = {};
      if (f.string('selector')) query.labelSelector = f.string('selector');
      if (f.string('field-selector')) query.fieldSelector = f.string('field-selector');
      for (const page of await listAll(client, pathFor(sel.mapping, namespace), query, 'application/json', 500, signal)) {
        for (const item of (page as { items?: KubeObject[] }).items ?? []) {
          targets.push({ mapping: sel.mapping, namespace: item.metadata.namespace ?? namespace, name: item.metadata.name ?? '' });
        }
      }
    }
  }
  if (f.string('resource-version') && targets.length > 1) throw new CliError('--resource-version may only be used with a single resource');

  let failed = false;
  const printed: KubeObject[] = [];
  for (const t of targets) {
    try {
      const path = pathFor(t.mapping, t.namespace, t.name);
      const current = await client.get(path, { accept: 'application/json', signal });
      const existing = current.metadata[field];
      if (!f.bool('overwrite')) {
        const conflicts = overwriteConflicts(existing, changes);
        if (conflicts.length > 0) {
          if (kind === 'label') throw new CliError(conflicts.map(([k, v]) => `'${k}' already has a value (${v}), and --overwrite is false`).join(', '));
          throw new CliError(`--overwrite is false but found the following declared annotation(s): ${conflicts.map(([k, v]) => `'${k}' already has a value (${v})`).join('; ')}`);
        }
      }
      for (const r of changes.remove) {
        if (kind === 'label' && !(existing && r in existing)) ctx.io.stdout.write(`label "${r}" not found.\n`);
      }
      const changed = metadataPatch(existing, changes);
      let result = current;
      const anyChange = Object.keys(changed).length > 0;
      if ((anyChange || f.string('resource-version')) && dryRun !== 'client') {
        const patch = { metadata: { [field]: changed, ...(f.string('resource-version') ? { resourceVersion: f.string('resource-version') } : {}) } };
        result = await client.patch(path, patch, 'merge', {
          query: { fieldManager: f.string('field-manager'), dryRun: dryRun === 'server' ? 'All' : undefined },
          signal,
        });
      }
      if (f.string('output') && f.string('output') !== 'name') {
        printed.push(result);
        continue;
      }
      const type = singularQualified(t.mapping);
      if (f.string('output') === 'name') {
        ctx.io.stdout.write(`${type}/${t.name}\n`);
        continue;
      }
      let verb = 'annotated';
      if (kind === 'label') {
        verb = !anyChange ? 'not labeled' : Object.values(changed).every((v) => v === null) && !f.bool('overwrite') ? 'unlabeled' : 'labeled';
      }
      ctx.io.stdout.write(`${type}/${t.name} ${verb}${dryRunSuffix(dryRun)}\n`);
    } catch (e) {
      failed = true;
      ctx.io.stderr.write(`${errorText(e)}\n`);
    }
  }
  if (printed.length > 0) await printObjects(ctx, f, printed);
  if (failed) throw new ExitError(1);
}
