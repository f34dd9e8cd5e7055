// `edit (TYPE NAME | TYPE/NAME)`: open the live object as YAML in $KUBE_EDITOR/$EDITOR and send back the change.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../api/object.js';
import { singularQualified } from '../../client/rest-mapper.js';
import type { Command } from '../command.js';
import { CliError, errorText, ExitError, programName } from '../errors.js';
import { fieldManagerFlag, filenameFlags, outputFlags } from '../flag-sets.js';
import { parseManifestText } from '../manifests.js';
import { parseResourceArgs, pathFor } from '../resource-args.js';

const editHeader = [
  '# Change the object below and save to send it to the server. Lines starting with',
  '# \'#\' are ignored; saving the file unchanged or empty cancels the edit.',
  '#',
  '',
].join('\n');

export const command: Command = {
  name: 'edit',
  short: 'Change resources in your editor and save them back',
  long: [
    'Open resources in a text editor and send your changes back to the server.',
    '',
    ' The object is edited as YAML. The editor is $KUBE_EDITOR, else $EDITOR, else vi. Saving an unchanged or',
    ' empty file cancels. When the server rejects the change, its error is printed and the object stays as it was.',
  ].join('\n'),
  examples: [
    '  # Change the Service "registry" in your editor; saving an empty file cancels',
    '  a-kubectl edit svc/registry',
    '  ',
    '  # Use another editor for this once',
    '  KUBE_EDITOR=nano a-kubectl edit deployment/api',
  ].join('\n'),
  usage: 'edit (RESOURCE/NAME | -f FILENAME) [options]',
  flags: [...outputFlags(), ...filenameFlags('with the objects to edit'), fieldManagerFlag('kubectl-edit')],
  async run(ctx, args) {
    const f = args.flags;
    const [mapper, ns, client] = await Promise.all([ctx.factory.mapper(), ctx.factory.namespace(), ctx.factory.client()]);
    const targets = parseResourceArgs(mapper, args.positionals, programName, 'edit').flatMap((s) => s.names.map((name) => ({ mapping: s.mapping, name })));
    if (targets.length === 0) throw new CliError('You must provide one or more resources by argument or filename.');
    const editor = ctx.env.KUBE_EDITOR || ctx.env.EDITOR || 'vi';
    const signal = ctx.factory.signal;
    const { createPrinter } = await ctx.factory.printers();
    let failed = false;
    for (const t of targets) {
      const path = pathFor(t.mapping, ns.namespace, t.name);
      try {
        const live = await client.get(path, { accept: 'application/json', signal });
        let yamlText = '';
        createPrinter({ output: 'yaml' }).printObjects([live], { write: (s: string) => (yamlText += s) });
        const dir = mkdtempSync(join(tmpdir(), 'a-kubectl-edit-'));
        const file = join(dir, `${t.mapping.resource}-${t.name}.yaml`);
        try {
          const original = editHeader + yamlText;
          writeFileSync(file, original);
          const r = spawnSync('sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit', env: { ...process.env, ...ctx.env } as NodeJS.ProcessEnv });
          if (r.status !== 0) throw new CliError(`there was a problem with the editor "${editor}"`);
          const edited = readFileSync(file, 'utf8');
          const meaningful = (s: string) => s.split('\n').filter((l) => !l.startsWith('#')).join('\n').trim();
          if (meaningful(edited) === meaningful(original)) {
            ctx.io.stderr.write('Edit cancelled, no changes made.\n');
            continue;
          }
          if (meaningful(edited) === '') {
            ctx.io.stderr.write('Edit cancelled, saved file was empty.\n');
            continue;
          }
          const [doc] = await parseManifestText(edited, file);
          if (!doc) throw new CliError('no objects in the edited file');
          const updated: KubeObject = await client.update(path, doc.object, { query: { fieldManager: f.string('field-manager') }, signal });
          ctx.io.stdout.write(`${singularQualified(t.mapping)}/${updated.metadata.name ?? t.name} edited\n`);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      } catch (e) {
        failed = true;
        ctx.io.stderr.write(`${errorText(e)}\n`);
      }
    }
    if (failed) throw new ExitError(1);
  },
};
