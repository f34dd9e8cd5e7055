// `create secret` only groups its sub-commands.
import type { Command } from '../command.js';

export const command: Command = {
  name: 'secret',
  short: 'Create a Secret of one of several kinds',
  long: 'Create a secret with specified type.\n\n A docker-registry type secret is for accessing a container registry.\n\n A generic type secret indicate an Opaque secret type.\n\n A tls type secret holds TLS certificate and its associated key.',
  usage: 'create secret (docker-registry | generic | tls) [options]',
  flags: [],
  subcommands: [{ name: 'generic', short: 'Create an Opaque (or other typed) Secret from files, folders, env files or literal values', load: async () => (await import('./create-secret-generic.js')).command }],
};
