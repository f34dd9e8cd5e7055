// `create secret generic NAME [--type=…] [--from-file=…] [--from-literal=…] [--from-env-file=…]`
import { setOwn } from '../../api/own.js';
import type { Command } from '../command.js';
import { resourcePath } from '../../client/paths.js';
import { collectData } from '../data-sources.js';
import { createGenerated, generatorFlags, requireOneName, targetNamespace } from './create-generated.js';

export const command: Command = {
  name: 'generic',
  short: 'Create a secret from a local file, directory, or literal value',
  long: 'Create a secret based on a file, directory, or specified literal value.\n\n A single secret may package one or more key/value pairs.',
  examples: [
    '  # Create a new secret named my-secret with keys for each file in folder bar',
    '  kubectl create secret generic my-secret --from-file=path/to/bar',
    '  ',
    '  # Create a new secret named my-secret with key1=supersecret and key2=topsecret',
    '  kubectl create secret generic my-secret --from-literal=key1=supersecret --from-literal=key2=topsecret',
  ].join('\n'),
  usage: 'create secret generic NAME [--type=string] [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none] [options]',
  flags: [
    ...generatorFlags,
    { name: 'from-file', kind: 'stringSlice', usage: 'Key files can be specified using their file path, in which case a default name will be given to them, or optionally with a name and file path, in which case the given name will be used.  Specifying a directory will iterate each named file in the directory that is a valid secret key.' },
    { name: 'from-literal', kind: 'stringArray', usage: 'Specify a key and literal value to insert in secret (i.e. mykey=somevalue)' },
    { name: 'from-env-file', kind: 'stringSlice', usage: 'Specify the path to a file to read lines of key=val pairs to create a secret.' },
    { name: 'type', kind: 'string', usage: 'The type of secret to create' },
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
