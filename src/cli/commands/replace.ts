// `replace -f FILE`: PUT each object (or delete and re-create with --force).
import type { KubeObject } from '../../api/object.js';
import { singularQualified } from '../../client/rest-mapper.js';
import type { Command } from '../command.js';
import { CliError, errorText, ExitError, withSource } from '../errors.js';
import { dryRunFlag, dryRunOf, fieldManagerFlag, fieldValidationOf, filenameFlags, outputFlags, validateFlag } from '../flag-sets.js';
import { readManifests, toInfos } from '../manifests.js';
import { printObjects, printResult } from '../output.js';
import { pathFor } from '../resource-args.js';
import { waitForDeletion } from '../wait-deleted.js';

export const command: Command = {
  name: 'replace',
  short: 'Replace resources with the manifests in files or stdin',
  long: 'Replace objects with the manifests given (YAML or JSON). The manifest must be the whole object, as in the output of\n\n  $ a-kubectl get TYPE NAME -o yaml\n\n fields it leaves out are removed.',
  examples: '  # Store web.yaml as the new content of the object it names\n  a-kubectl replace -f web.yaml\n  \n  # Delete the object and create it again from the file\n  a-kubectl replace --force -f web.yaml',
  usage: 'replace -f FILENAME [options]',
  flags: [
    ...outputFlags(),
    ...filenameFlags('with the objects to replace'),
    dryRunFlag,
    validateFlag,
    fieldManagerFlag('kubectl-replace'),
    { name: 'force', kind: 'bool', usage: 'Delete each object at once and create it again from the manifest instead of updating it.' },
    { name: 'save-config', kind: 'bool', usage: 'Store the object as sent in the kubectl.kubernetes.io/last-applied-configuration annotation.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const files = f.list('filename');
    if (files.length === 0) throw new CliError('must specify --filename to replace');
    const dryRun = dryRunOf(f, ctx.io.stderr);
    const [mapper, ns, client] = await Promise.all([ctx.factory.mapper(), ctx.factory.namespace(), ctx.factory.client()]);
    const infos = toInfos(mapper, await readManifests(files, { recursive: f.bool('recursive'), stdin: ctx.io.stdin, verb: 'replace' }), ns);
    const signal = ctx.factory.signal;
    const query = { fieldManager: f.string('field-manager'), fieldValidation: fieldValidationOf(f), dryRun: dryRun === 'server' ? 'All' : undefined };
    let failed = false;
    const printed: KubeObject[] = [];
    for (const info of infos) {
      const obj = info.namespace ? { ...info.object, metadata: { ...info.object.metadata, namespace: info.namespace } } : info.object;
      try {
        let result = obj;
        if (f.bool('force') && dryRun === 'none') {
          const path = pathFor(info.mapping, info.namespace, info.name);
          await client.delete(path, { body: { propagationPolicy: 'Background', gracePeriodSeconds: 0 }, signal });
          ctx.io.stdout.write(`${singularQualified(info.mapping)} "${info.name}" deleted\n`);
          await waitForDeletion(client, pathFor(info.mapping, info.namespace), info.name, undefined, signal);
          const { resourceVersion: _rv, uid: _uid, ...meta } = obj.metadata;
          result = await client.create(pathFor(info.mapping, info.namespace), { ...obj, metadata: meta }, { query, signal });
        } else if (dryRun !== 'client') {
          await client.get(pathFor(info.mapping, info.namespace, info.name), { accept: 'application/json', signal });
          result = await client.update(pathFor(info.mapping, info.namespace, info.name), obj, { query, signal });
        }
        if (f.string('output') && f.string('output') !== 'name') printed.push(result);
        else await printResult(ctx, f, result, singularQualified(info.mapping), 'replaced', dryRun);
      } catch (e) {
        failed = true;
        ctx.io.stderr.write(`${errorText(withSource('replacing', info.source, e))}\n`);
      }
    }
    if (printed.length > 0) await printObjects(ctx, f, printed);
    if (failed) throw new ExitError(1);
  },
};
