// `create secret generic NAME [--type=…] [--from-file=…] [--from-literal=…] [--from-env-file=…]`
import { setOwn } from '../../api/own.js';
import type { Command } from '../command.js';
import { resourcePath } from '../../client/paths.js';
import { collectData } from '../data-sources.js';
import { createGenerated, generatorFlags, requireOneName, targetNamespace } from './create-generated.js';

export const command: Command = {
  name: 'generic',
  short: 'Create an Opaque (or other typed) Secret from files, folders, env files or literal values',
  long: 'Create a Secret whose keys come from files, folders, env files or literal values.\n\n Flags may be combined and repeated. The values are stored base64-encoded in .data.',
  examples: [
    '  # One key per file of the ./certs folder',
    '  a-kubectl create secret generic tls-files --from-file=./certs',
    '  ',
    '  # Keys given on the command line',
    '  a-kubectl create secret generic db-login --from-literal=user=app --from-literal=password=s3cr3t',
    '  ',
    '  # A typed secret read from an env file',
    '  a-kubectl create secret generic basic --type=kubernetes.io/basic-auth --from-env-file=./login.env',
  ].join('\n'),
  usage: 'create secret generic NAME [--type=string] [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none] [options]',
  flags: [
    ...generatorFlags,
    { name: 'from-file', kind: 'stringSlice', usage: 'A file to store (the key is its base name), key=path to choose the key, or a folder to store each regular file in it whose name is a valid key.' },
    { name: 'from-literal', kind: 'stringArray', usage: 'A key=value pair to store (repeatable).' },
    { name: 'from-env-file', kind: 'stringSlice', usage: 'A file of KEY=value lines; each line becomes one key.' },
    { name: 'type', kind: 'string', usage: 'The Secret\'s type field (Opaque when not given)' },
  ],
  async run(ctx, args) {
    const name = requireOneName(ctx, args);
    const { namespace, inObject } = await targetNamespace(ctx);
    const entries = collectData({ literals: args.flags.list('from-literal'), files: args.flags.list('from-file'), envFiles: args.flags.list('from-env-file') }, 'Secret');
    const data: Record<string, string> = {};
    for (const [k, v] of entries) setOwn(data, k, v.toString('base64'));
    const type = args.flags.string('type');
    const object = { kind: 'Secret', apiVersion: 'v1', metadata: { name, ...inObject, creationTimestamp: null }, data, ...(type ? { type } : {}) };
    await createGenerated(ctx, args, {
      object,
      path: resourcePath({ group: '', version: 'v1', resource: 'secrets', namespace }),
      typeName: 'secret',
      errorPrefix: 'failed to create secret',
    });
  },
};
