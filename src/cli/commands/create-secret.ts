// `create secret` only groups its sub-commands.
import type { Command } from '../command.js';

export const command: Command = {
  name: 'secret',
  short: 'Create a secret using a specified subcommand',
  long: 'Create a secret with specified type.\n\n A docker-registry type secret is for accessing a container registry.\n\n A generic type secret indicate an Opaque secret type.\n\n A tls type secret holds TLS certificate and its associated key.',
  usage: 'create secret (docker-registry | generic | tls) [options]',
  flags: [],
  subcommands: [{ name: 'generic', short: 'Create a secret from a local file, directory, or literal value', load: async () => (await import('./create-secret-generic.js')).command }],
};
