// `create secret` only groups its sub-commands.
import type { Command } from '../command.js';

export const command: Command = {
  name: 'secret',
  short: 'Create a Secret of one of several kinds',
  long: 'Create a Secret; the subcommand chooses its kind.\n\n docker-registry: login data for pulling images from a registry.\n generic: any keys and values (type Opaque unless --type says otherwise).\n tls: a certificate and its private key.',
  usage: 'create secret (docker-registry | generic | tls) [options]',
  flags: [],
  subcommands: [{ name: 'generic', short: 'Create an Opaque (or other typed) Secret from files, folders, env files or literal values', load: async () => (await import('./create-secret-generic.js')).command }],
};
