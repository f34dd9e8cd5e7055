// `create namespace NAME`
import type { Command } from '../command.js';
import { createGenerated, generatorFlags, requireOneName } from './create-generated.js';

export const command: Command = {
  name: 'namespace',
  aliases: ['ns'],
  short: 'Create a Namespace',
  long: 'Create a Namespace with the given name.',
  examples: '  # A namespace for the shop team\n  a-kubectl create namespace shop',
  usage: 'create namespace NAME [--dry-run=server|client|none] [options]',
  flags: generatorFlags,
  async run(ctx, args) {
    const name = requireOneName(ctx, args);
    const object = { kind: 'Namespace', apiVersion: 'v1', metadata: { name, creationTimestamp: null }, spec: {}, status: {} };
    await createGenerated(ctx, args, { object, path: '/api/v1/namespaces', typeName: 'namespace' });
  },
};
