// `create configmap NAME [--from-file=…] [--from-literal=…] [--from-env-file=…]`
import { setOwn } from '../../api/own.js';
import type { Command } from '../command.js';
import { resourcePath } from '../../client/paths.js';
import { collectData, isUtf8 } from '../data-sources.js';
import { createGenerated, generatorFlags, requireOneName, targetNamespace } from './create-generated.js';

export const command: Command = {
  name: 'configmap',
  aliases: ['cm'],
  short: 'Create a ConfigMap from files, folders, env files or literal values',
  long: 'Create a config map based on a file, directory, or specified literal value.\n\n A single config map may package one or more key/value pairs.',
  examples: [
    '  # Create a new config map named my-config based on folder bar',
    '  kubectl create configmap my-config --from-file=path/to/bar',
    '  ',
    '  # Create a new config map named my-config with specified keys instead of file basenames on disk',
    '  kubectl create configmap my-config --from-file=key1=/path/to/bar/file1.txt --from-file=key2=/path/to/bar/file2.txt',
    '  ',
    '  # Create a new config map named my-config with key1=config1 and key2=config2',
    '  kubectl create configmap my-config --from-literal=key1=config1 --from-literal=key2=config2',
  ].join('\n'),
  usage: 'create configmap NAME [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none] [options]',
  flags: [
    ...generatorFlags,
    { name: 'from-file', kind: 'stringSlice', usage: 'A file to store (the key is its base name), key=path to choose the key, or a folder to store each regular file in it whose name is a valid key.' },
    { name: 'from-literal', kind: 'stringArray', usage: 'A key=value pair to store as is (repeatable).' },
    { name: 'from-env-file', kind: 'stringSlice', usage: 'A file of KEY=value lines; each line becomes one key.' },
  ],
  async run(ctx, args) {
    const name = requireOneName(ctx, args);
    const { namespace, inObject } = await targetNamespace(ctx);
    const entries = collectData({ literals: args.flags.list('from-literal'), files: args.flags.list('from-file'), envFiles: args.flags.list('from-env-file') }, 'ConfigMap');
    const data: Record<string, string> = {};
    const binaryData: Record<string, string> = {};
    for (const [k, v] of entries) {
      if (isUtf8(v)) setOwn(data, k, v.toString('utf8'));
      else setOwn(binaryData, k, v.toString('base64'));
    }
    const object = {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name, ...inObject, creationTimestamp: null },
      ...(Object.keys(data).length ? { data } : {}),
      ...(Object.keys(binaryData).length ? { binaryData } : {}),
    };
    await createGenerated(ctx, args, {
      object,
      path: resourcePath({ group: '', version: 'v1', resource: 'configmaps', namespace }),
      typeName: 'configmap',
      errorPrefix: 'failed to create configmap',
    });
  },
};
