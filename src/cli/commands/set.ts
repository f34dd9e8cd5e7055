// `set`: only groups its sub-commands.
import type { Command } from '../command.js';

export const command: Command = {
  name: 'set',
  short: 'Set specific features on objects',
  long: 'Configure application resources.\n\n These commands help you make changes to existing application resources.',
  usage: 'set SUBCOMMAND [options]',
  flags: [],
  subcommands: [
    { name: 'env', short: 'Update environment variables on a pod template', load: async () => (await import('./set-env.js')).command },
    { name: 'image', short: 'Update the image of a pod template', load: async () => (await import('./set-image.js')).command },
  ],
};
