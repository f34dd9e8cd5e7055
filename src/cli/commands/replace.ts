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
  long: 'Replace a resource by file name or stdin.\n\n JSON and YAML formats are accepted. If replacing an existing resource, the complete resource spec must be provided. This can be obtained by\n\n  $ kubectl get TYPE NAME -o yaml',
  examples: '  # Replace a pod using the data in pod.json\n  kubectl replace -f ./pod.json\n  \n  # Force replace, delete and then re-create the resource\n  kubectl replace --force -f ./pod.json',
  usage: 'replace -f FILENAME [options]',
  flags: [
    ...outputFlags(),
    ...filenameFlags('with the objects to replace'),
    dryRunFlag,
    validateFlag,
    fieldManagerFlag('kubectl-replace'),
    { name: 'force', kind: 'bool', usage: 'Remove the objects from the API at once without waiting for graceful termination; processes may keep running for a while, so use with care.' },
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
