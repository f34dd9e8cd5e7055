// `patch (-f FILE | TYPE NAME) (-p PATCH | --patch-file FILE) [--type strategic|merge|json] [--subresource …]`
import { readFileSync } from 'node:fs';
import type { KubeObject } from '../../api/object.js';
import { singularQualified } from '../../client/rest-mapper.js';
import type { PatchType } from '../../client/rest.js';
import type { Command } from '../command.js';
import { CliError, errorText, ExitError, programName } from '../errors.js';
import { dryRunFlag, dryRunOf, dryRunSuffix, fieldManagerFlag, filenameFlags, outputFlags } from '../flag-sets.js';
import { readManifests, toInfos } from '../manifests.js';
import { printObjects } from '../output.js';
import { parseResourceArgs, pathFor } from '../resource-args.js';

const patchTypes: Record<string, PatchType> = { strategic: 'strategic', merge: 'merge', json: 'json' };

export const command: Command = {
  name: 'patch',
  short: 'Change fields of a resource with a JSON, merge or strategic merge patch',
  long: 'Change fields of objects with a patch: strategic merge (default), JSON merge (--type=merge) or JSON patch (--type=json). The patch may be JSON or YAML.',
  examples: [
    '  # Stop scheduling onto node worker-1 with a strategic merge patch',
    '  a-kubectl patch node worker-1 -p \'{"spec":{"unschedulable":true}}\'',
    '  ',
    '  # Set one label with a JSON merge patch',
    '  a-kubectl patch deployment api --type=merge -p \'{"metadata":{"labels":{"tier":"backend"}}}\'',
    '  ',
    '  # Replace the first container\'s image with a JSON patch',
    '  a-kubectl patch deployment api --type=json -p=\'[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"api:2.2"}]\'',
  ].join('\n'),
  usage: 'patch (-f FILENAME | TYPE NAME) [-p PATCH|--patch-file FILE] [options]',
  flags: [
    ...outputFlags(),
    ...filenameFlags('with the objects to patch'),
    dryRunFlag,
    fieldManagerFlag('kubectl-patch'),
    { name: 'local', kind: 'bool', usage: 'Apply the patch to the object read from -f and print the result, without contacting the server.' },
    { name: 'patch', short: 'p', kind: 'string', usage: 'The patch itself, as JSON or YAML.' },
    { name: 'patch-file', kind: 'string', usage: 'Read the patch from this file.' },
    { name: 'subresource', kind: 'string', usage: "If specified, patch will operate on the subresource of the requested object. Must be one of [status scale]. This flag is beta and may change in the future." },
    { name: 'type', kind: 'string', default: 'strategic', usage: 'The type of patch being provided; one of [json merge strategic]' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const type = patchTypes[f.string('type')];
    if (!type) throw new CliError(`--type must be one of [json merge strategic], not "${f.string('type')}".\nThis command does not support the "apply" patch type.`);
    if (f.has('patch') && f.has('patch-file')) throw new CliError('cannot specify --patch and --patch-file together');
    const text = f.has('patch-file') ? readFileSync(f.string('patch-file'), 'utf8') : f.string('patch');
    if (!text) throw new CliError('must specify --patch or --patch-file containing the contents of the patch');
    const { parseKubeYaml } = await import('../../client/yaml.js');
    let patch: unknown;
    try {
      patch = await parseKubeYaml(text);
    } catch (e) {
      throw new CliError(`unable to parse "${text}": ${e instanceof Error ? e.message : String(e)}`);
    }
    const dryRun = dryRunOf(f, ctx.io.stderr);
    const files = f.list('filename');
    const [mapper, ns, client] = await Promise.all([ctx.factory.mapper(), ctx.factory.namespace(), ctx.factory.client()]);
    const targets =
      files.length > 0
        ? toInfos(mapper, await readManifests(files, { recursive: f.bool('recursive'), stdin: ctx.io.stdin, verb: 'patch' }), ns).map((i) => ({ mapping: i.mapping, namespace: i.namespace, name: i.name }))
        : parseResourceArgs(mapper, args.positionals, programName, 'patch').flatMap((s) => {
            if (s.names.length === 0) throw new CliError('resource(s) were provided, but no name was specified');
            return s.names.map((name) => ({ mapping: s.mapping, namespace: ns.namespace, name }));
          });
    if (targets.length === 0) throw new CliError('You must provide one or more resources by argument or filename.');
    const subresource = f.string('subresource') || undefined;
    let failed = false;
    const printed: KubeObject[] = [];
    for (const t of targets) {
      try {
        const path = pathFor(t.mapping, t.namespace, t.name, subresource);
        const before = await client.get(path, { accept: 'application/json', signal: ctx.factory.signal });
        const after =
          dryRun === 'client'
            ? before
            : await client.patch(path, JSON.stringify(patch), type, { query: { fieldManager: f.string('field-manager'), dryRun: dryRun === 'server' ? 'All' : undefined }, signal: ctx.factory.signal });
        if (f.string('output') && f.string('output') !== 'name') printed.push(after);
        else {
          const unchanged = JSON.stringify(before) === JSON.stringify(after) && dryRun !== 'client';
          const type = singularQualified(t.mapping);
          ctx.io.stdout.write(f.string('output') === 'name' ? `${type}/${t.name}\n` : `${type}/${t.name} patched${unchanged ? ' (no change)' : ''}${dryRunSuffix(dryRun)}\n`);
        }
      } catch (e) {
        failed = true;
        ctx.io.stderr.write(`${errorText(e)}\n`);
      }
    }
    if (printed.length > 0) await printObjects(ctx, f, printed);
    if (failed) throw new ExitError(1);
  },
};
