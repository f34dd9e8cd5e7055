// `create serviceaccount NAME`
import type { Command } from '../command.js';
import { resourcePath } from '../../client/paths.js';
import { createGenerated, generatorFlags, requireOneName, targetNamespace } from './create-generated.js';

export const command: Command = {
  name: 'serviceaccount',
  aliases: ['sa'],
  short: 'Create a ServiceAccount',
  long: 'Create a ServiceAccount with the given name.',
  examples: '  # A service account for CI jobs\n  a-kubectl create serviceaccount builder -n ci',
  usage: 'create serviceaccount NAME [--dry-run=server|client|none] [options]',
  flags: generatorFlags,
  async run(ctx, args) {
    const name = requireOneName(ctx, args);
    const { namespace, inObject } = await targetNamespace(ctx);
    const object = { kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name, ...inObject, creationTimestamp: null } };
    await createGenerated(ctx, args, {
      object,
      path: resourcePath({ group: '', version: 'v1', resource: 'serviceaccounts', namespace }),
      typeName: 'serviceaccount',
      errorPrefix: 'failed to create serviceaccount',
    });
  },
};
