// `create -f FILE` and the `create <kind>` generators.
import type { Command, CommandEntry } from '../command.js';
import { CliError } from '../errors.js';
import { dryRunFlag, dryRunOf, fieldManagerFlag, fieldValidationOf, filenameFlags, outputFlags, validateFlag } from '../flag-sets.js';
import { readManifests, toInfos } from '../manifests.js';
import { printObjects, printResult } from '../output.js';
import { pathFor } from '../resource-args.js';
import { singularQualified } from '../../client/rest-mapper.js';
import { errorText, ExitError, withSource } from '../errors.js';

const generators: CommandEntry[] = [
  { name: 'clusterrole', short: 'Create a ClusterRole holding one rule', load: async () => (await import('./create-clusterrole.js')).command },
  { name: 'clusterrolebinding', short: 'Create a ClusterRoleBinding that grants a ClusterRole', load: async () => (await import('./create-clusterrolebinding.js')).command },
  { name: 'configmap', aliases: ['cm'], short: 'Create a ConfigMap from files, folders, env files or literal values', load: async () => (await import('./create-configmap.js')).command },
  { name: 'deployment', aliases: ['deploy'], short: 'Create a Deployment running one or more images', load: async () => (await import('./create-deployment.js')).command },
  { name: 'namespace', aliases: ['ns'], short: 'Create a Namespace', load: async () => (await import('./create-namespace.js')).command },
  { name: 'role', short: 'Create a Role holding one rule', load: async () => (await import('./create-role.js')).command },
  { name: 'rolebinding', short: 'Create a RoleBinding that grants a Role or ClusterRole in a namespace', load: async () => (await import('./create-rolebinding.js')).command },
  { name: 'secret', short: 'Create a Secret of one of several kinds', load: async () => (await import('./create-secret.js')).command },
  { name: 'serviceaccount', aliases: ['sa'], short: 'Create a ServiceAccount', load: async () => (await import('./create-serviceaccount.js')).command },
  { name: 'token', short: 'Get a token for a service account (TokenRequest)', load: async () => (await import('./create-token.js')).command },
];

export const command: Command = {
  name: 'create',
  short: 'Create resources from manifests in files or stdin',
  long: 'Create the objects described in manifest files or stdin (YAML or JSON). Existing objects are not changed: creating one that exists fails; use apply or replace for that.',
  examples: [
    '  # Create what web.yaml describes',
    '  a-kubectl create -f web.yaml',
    '  ',
    '  # Create from manifests produced by another program',
    '  envsubst < job.yaml | a-kubectl create -f -',
    '  ',
    '  # Check with the server whether the objects would be accepted, storing nothing',
    '  a-kubectl create -f ./manifests/ --dry-run=server',
  ].join('\n'),
  usage: 'create -f FILENAME [options]',
  flags: [
    ...outputFlags(),
    ...filenameFlags('with the objects to create'),
    dryRunFlag,
    fieldManagerFlag('kubectl-create'),
    validateFlag,
    { name: 'save-config', kind: 'bool', usage: 'Store the object as sent in the kubectl.kubernetes.io/last-applied-configuration annotation, so a later client-side apply can diff against it.' },
  ],
  subcommands: generators,
  async run(ctx, args) {
    const flags = args.flags;
    const files = flags.list('filename');
    if (files.length === 0) throw new CliError('must specify one of -f and -k');
    if (args.positionals.length > 0) throw new CliError(`Unexpected args: [${args.positionals.join(' ')}]\nSee 'a-kubectl create -h' for help and examples`);
    const dryRun = dryRunOf(flags, ctx.io.stderr);
    const fieldValidation = fieldValidationOf(flags);
    const manifests = await readManifests(files, { recursive: flags.bool('recursive'), stdin: ctx.io.stdin, verb: 'create' });
    const [mapper, ns, client] = await Promise.all([ctx.factory.mapper(), ctx.factory.namespace(), ctx.factory.client()]);
    const infos = toInfos(mapper, manifests, ns);
    const printed = [];
    let failed = false;
    for (const info of infos) {
      let obj = info.object;
      if (flags.bool('save-config')) {
        obj = { ...obj, metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(obj)}\n` } } };
      }
      try {
        if (dryRun !== 'client') {
          obj = await client.create(pathFor(info.mapping, info.namespace), obj, {
            query: { fieldManager: flags.string('field-manager'), fieldValidation, dryRun: dryRun === 'server' ? 'All' : undefined },
            signal: ctx.factory.signal,
          });
        }
      } catch (e) {
        failed = true;
        ctx.io.stderr.write(`${errorText(withSource('creating', info.source, e))}\n`);
        continue;
      }
      if (flags.string('output') && flags.string('output') !== 'name') printed.push(obj);
      else await printResult(ctx, flags, obj, singularQualified(info.mapping), 'created', dryRun);
    }
    if (printed.length > 0) await printObjects(ctx, flags, printed);
    if (failed) throw new ExitError(1);
  },
};
