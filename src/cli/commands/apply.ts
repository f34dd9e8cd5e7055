// `apply -f`: client-side apply (last-applied annotation + three-way patch), or --server-side.
import type { KubeObject } from '../../api/object.js';
import { findByKind } from '../../api/catalog.js';
import { ApiError, isConflict, isNotFound } from '../../client/api-error.js';
import { singularQualified } from '../../client/rest-mapper.js';
import type { Command, CommandContext } from '../command.js';
import { CliError, errorText, ExitError, PlainError, withSource } from '../errors.js';
import { lastAppliedManager, lastAppliedNeedsOwner, lastAppliedOnly, upgradeManagedFieldsPatch } from '../ssa-upgrade.js';
import type { DryRun } from '../flag-sets.js';
import { dryRunFlag, dryRunOf, fieldManagerFlag, fieldValidationOf, filenameFlags, outputFlags, validateFlag } from '../flag-sets.js';
import type { Info } from '../manifests.js';
import { readManifests, toInfos } from '../manifests.js';
import { operationLine, printObjects } from '../output.js';
import { pathFor } from '../resource-args.js';
import { createThreeWayJsonMergePatch, lastAppliedAnnotation, lastAppliedOf, withLastApplied } from '../apply-patch.js';
import type { ParsedCommandLine } from '../args.js';

export const command: Command = {
  name: 'apply',
  short: 'Create or update resources from manifests in files or stdin',
  long: 'Create the objects a manifest describes, or bring existing ones in line with it.\n\n Client-side apply (the default) keeps the last applied manifest in the kubectl.kubernetes.io/last-applied-configuration annotation and patches only what changed since; objects made with \'create\' need --save-config first. With --server-side the API server merges the manifest and tracks field ownership. Manifests may be YAML or JSON.',
  examples: [
    '  # Create or update everything described in a folder of manifests',
    '  a-kubectl apply -f ./manifests/',
    '  ',
    '  # Apply a manifest read from another program',
    '  helm template ./chart | a-kubectl apply -f -',
    '  ',
    '  # Let the server merge the manifest, taking over conflicting fields',
    '  a-kubectl apply --server-side --force-conflicts -f web.yaml',
  ].join('\n'),
  usage: 'apply (-f FILENAME | -k DIRECTORY) [options]',
  flags: [
    ...outputFlags(),
    ...filenameFlags('with the objects to apply'),
    dryRunFlag,
    validateFlag,
    fieldManagerFlag('kubectl-client-side-apply'),
    { name: 'force-conflicts', kind: 'bool', usage: 'With --server-side, take over fields another manager owns instead of failing on the conflict.' },
    { name: 'overwrite', kind: 'bool', default: true, usage: 'Accepted for compatibility: a client-side apply always lets the manifest\'s values win over the live object.' },
    { name: 'server-side', kind: 'bool', usage: 'Let the API server merge the manifest (server-side apply) instead of computing a patch here.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const files = f.list('filename');
    if (files.length === 0) throw new CliError('must specify one of -f and -k');
    if (args.positionals.length > 0) throw new CliError(`Unexpected args: [${args.positionals.join(' ')}]\nSee 'a-kubectl apply -h' for help and examples`);
    const dryRun = dryRunOf(f, ctx.io.stderr);
    const manifests = await readManifests(files, { recursive: f.bool('recursive'), stdin: ctx.io.stdin, verb: 'apply' });
    const [mapper, ns] = await Promise.all([ctx.factory.mapper(), ctx.factory.namespace()]);
    const infos = toInfos(mapper, manifests, ns);
    const results: KubeObject[] = [];
    let failed = false;
    for (const info of infos) {
      try {
        const { object, operation } = f.bool('server-side') ? await applyServerSide(ctx, args, info, dryRun) : await applyClientSide(ctx, args, info, dryRun);
        if (f.string('output') && f.string('output') !== 'name') results.push(object);
        else if (f.string('output') === 'name') ctx.io.stdout.write(`${singularQualified(info.mapping)}/${info.name}\n`);
        else ctx.io.stdout.write(operationLine(singularQualified(info.mapping), info.name, operation, dryRun));
      } catch (e) {
        failed = true;
        ctx.io.stderr.write(`${errorText(withSource(f.bool('server-side') ? 'patching' : 'applying patch', info.source, e))}\n`);
      }
    }
    if (results.length > 0) await printObjects(ctx, f, results);
    if (failed) throw new ExitError(1);
  },
};

function withNamespace(info: Info): KubeObject {
  if (!info.namespace) return info.object;
  return { ...info.object, metadata: { ...info.object.metadata, namespace: info.namespace } };
}

/** What to do about an apply conflict (printed after the server's message). */
const conflictAdvice = [
  'The fields listed are managed by someone else. To go on:',
  '* take them over: run the apply again with --force-conflicts;',
  '* leave them to their managers: remove them from your manifest;',
  '* share them: set them in your manifest to the values they have now; you become their sole manager',
  '  once the other managers stop applying them.',
  'See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts',
].join('\n');

async function applyServerSide(ctx: CommandContext, args: ParsedCommandLine, info: Info, dryRun: DryRun): Promise<{ object: KubeObject; operation: string }> {
  const f = args.flags;
  const client = await ctx.factory.client();
  const signal = ctx.factory.signal;
  const manager = f.has('field-manager') ? f.string('field-manager') : 'kubectl';
  if (dryRun === 'client') return { object: info.object, operation: 'serverside-applied' };
  const path = pathFor(info.mapping, info.namespace, info.name);
  const serverDryRun = dryRun === 'server' ? 'All' : undefined;
  const send = () =>
    client.patch(path, withNamespace(info), 'apply', {
      query: { fieldManager: manager, fieldValidation: fieldValidationOf(f), force: String(f.bool('force-conflicts')), dryRun: serverDryRun },
      signal,
    });
  let object: KubeObject;
  try {
    object = await send();
  } catch (e) {
    if (isConflict(e) && e instanceof ApiError) throw new PlainError(`error: ${e.status.message ?? ''}\n${conflictAdvice}`);
    throw e;
  }
  // Hand over what client-side apply owned (a failure here leaves the apply done, and is tried again next time).
  try {
    if (manager === 'kubectl' && lastAppliedNeedsOwner(object)) {
      object = await client.patch(path, lastAppliedOnly(object), 'apply', { query: { fieldManager: lastAppliedManager, dryRun: serverDryRun }, signal });
    }
  } catch (e) {
    ctx.io.stderr.write(`Warning: the last-applied-configuration annotation could not be given its own manager; the next apply tries again. Error: ${errorText(e)}\n`);
    return { object, operation: 'serverside-applied' };
  }
  if (!serverDryRun) {
    try {
      if (await migrateClientSideApply(ctx, path, object, manager)) object = await send();
    } catch (e) {
      ctx.io.stderr.write(`Warning: the fields client-side apply managed could not be moved to ${manager}; the next apply tries again. Error: ${errorText(e)}\n`);
    }
  }
  return { object, operation: 'serverside-applied' };
}

/** Moves client-side apply's fields to the applier; true when a move happened (retried when the object changed). */
async function migrateClientSideApply(ctx: CommandContext, path: string, current: KubeObject, manager: string): Promise<boolean> {
  const client = await ctx.factory.client();
  const signal = ctx.factory.signal;
  let live = current;
  for (let attempt = 0; attempt < 5; attempt++) {
    const patch = upgradeManagedFieldsPatch(live, manager);
    if (!patch) return false;
    try {
      await client.patch(path, patch, 'json', { signal });
      return true;
    } catch (e) {
      if (!isConflict(e)) throw e;
      live = await client.get(path, { accept: 'application/json', signal });
    }
  }
  return false;
}

async function applyClientSide(ctx: CommandContext, args: ParsedCommandLine, info: Info, dryRun: DryRun): Promise<{ object: KubeObject; operation: string }> {
  const f = args.flags;
  const client = await ctx.factory.client();
  const signal = ctx.factory.signal;
  const modified = withLastApplied(withNamespace(info));
  const path = pathFor(info.mapping, info.namespace, info.name);
  const query = { fieldManager: f.string('field-manager'), fieldValidation: fieldValidationOf(f), dryRun: dryRun === 'server' ? 'All' : undefined };
  let current: KubeObject | undefined;
  try {
    current = await client.get(path, { accept: 'application/json', signal });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  if (!current) {
    if (dryRun === 'client') return { object: modified, operation: 'created' };
    const created = await client.create(pathFor(info.mapping, info.namespace), modified, { query, signal });
    return { object: created, operation: 'created' };
  }
  if (!current.metadata.annotations?.[lastAppliedAnnotation]) {
    ctx.io.stderr.write(
      `Warning: resource ${info.mapping.group ? `${info.mapping.resource}.${info.mapping.group}` : info.mapping.resource}/${info.name} is missing the ${lastAppliedAnnotation} annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\n`,
    );
  }
  const original = lastAppliedOf(current);
  const definition = findByKind(info.object.apiVersion ?? '', info.object.kind ?? '')?.definition;
  let patch: Record<string, unknown>;
  let type: 'strategic' | 'merge';
  if (definition) {
    const { createThreeWayStrategicMergePatch } = await ctx.factory.patches();
    patch = createThreeWayStrategicMergePatch(original ?? null, modified, current, definition);
    type = 'strategic';
  } else {
    patch = createThreeWayJsonMergePatch(original ?? {}, modified, current);
    type = 'merge';
  }
  if (Object.keys(patch).length === 0) return { object: current, operation: 'unchanged' };
  if (dryRun === 'client') return { object: current, operation: 'configured' };
  const patched = await client.patch(path, patch, type, { query, signal });
  return { object: patched, operation: 'configured' };
}
