// `label TYPE NAME KEY=VAL … KEY-`
import type { Command } from '../command.js';
import { metadataFlags, runMetadataCommand } from './metadata-command.js';

export const command: Command = {
  name: 'label',
  short: 'Add, change or remove labels on resources',
  long: [
    'Set, change or remove labels on the named objects. KEY=VALUE sets a label, KEY- removes it.',
    '',
    '  *  Keys and values are at most 63 characters: letters and digits at both ends, with -, _ and . between.',
    '  *  A key may carry a DNS subdomain prefix and a \'/\', as in example.com/tier.',
    '  *  Changing a label that already has a value fails unless --overwrite is given.',
    '  *  With --resource-version the change is refused if the object has changed since that version.',
  ].join('\n'),
  examples: [
    '  # Mark node worker-2 as having a GPU',
    '  a-kubectl label node worker-2 accelerator=gpu',
    '  ',
    '  # Move pod api-0 to another tier, replacing the old value',
    '  a-kubectl label pod api-0 tier=canary --overwrite',
    '  ',
    '  # Remove the tier label from every pod of the namespace',
    '  a-kubectl label pods --all tier-',
  ].join('\n'),
  usage: 'label [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [options]',
  flags: metadataFlags('labels'),
  run: (ctx, args) => runMetadataCommand(ctx, args, 'label'),
};
