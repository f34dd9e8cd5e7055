// `label TYPE NAME KEY=VAL … KEY-`
import type { Command } from '../command.js';
import { metadataFlags, runMetadataCommand } from './metadata-command.js';

export const command: Command = {
  name: 'label',
  short: 'Add, change or remove labels on resources',
  long: [
    'Update the labels on a resource.',
    '',
    "  *  A label key and value must begin with a letter or number, and may contain letters, numbers, hyphens, dots, and underscores, up to 63 characters each.",
    '  *  Optionally, the key can begin with a DNS subdomain prefix and a single \'/\', like example.com/my-app.',
    '  *  If --overwrite is true, then existing labels can be overwritten, otherwise attempting to overwrite a label will result in an error.',
    '  *  If --resource-version is specified, then updates will use this resource version, otherwise the existing resource-version will be used.',
  ].join('\n'),
  examples: [
    "  # Update pod 'foo' with the label 'unhealthy' and the value 'true'",
    '  kubectl label pods foo unhealthy=true',
    '  ',
    "  # Update pod 'foo' with the label 'status' and the value 'unhealthy', overwriting any existing value",
    '  kubectl label --overwrite pods foo status=unhealthy',
    '  ',
    "  # Update pod 'foo' by removing a label named 'bar' if it exists",
    '  kubectl label pods foo bar-',
  ].join('\n'),
  usage: 'label [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [options]',
  flags: metadataFlags('labels'),
  run: (ctx, args) => runMetadataCommand(ctx, args, 'label'),
};
