// `set`: only groups its sub-commands.
import type { Command } from '../command.js';

export const command: Command = {
  name: 'set',
  short: 'Change chosen fields (image, env, ...) of workloads',
  long: 'Change chosen fields of existing workloads without editing whole manifests.',
  usage: 'set SUBCOMMAND [options]',
  flags: [],
  subcommands: [
    { name: 'env', short: 'Add, change or remove environment variables in pod templates', load: async () => (await import('./set-env.js')).command },
    { name: 'image', short: 'Change container images in pod templates', load: async () => (await import('./set-image.js')).command },
  ],
};
