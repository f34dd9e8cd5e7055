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
  long: 'Create a ConfigMap whose keys come from files, folders, env files or literal values.\n\n Flags may be combined and repeated; a key given twice is an error.',
  examples: [
    '  # One key per file of the ./conf folder',
    '  a-kubectl create configmap web-conf --from-file=./conf',
    '  ',
    '  # Choose the key a file is stored under',
    '  a-kubectl create configmap web-conf --from-file=nginx.conf=./conf/site.conf',
    '  ',
    '  # Keys given on the command line and read from an env file',
    '  a-kubectl create configmap flags --from-literal=mode=fast --from-env-file=./defaults.env',
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
