// `annotate TYPE NAME KEY=VAL … KEY-`
import type { Command } from '../command.js';
import { metadataFlags, runMetadataCommand } from './metadata-command.js';

export const command: Command = {
  name: 'annotate',
  short: 'Add, change or remove annotations on resources',
  long: [
    'Set, change or remove annotations on the named objects.',
    '',
    ' Annotations are free-form key/value strings kept in metadata.annotations; unlike labels they are not used for',
    ' selecting and may hold long values such as JSON. KEY=VALUE sets a key, KEY- removes it.',
    '',
    ' Changing a key that already has a value fails unless --overwrite is given. With --resource-version the change',
    ' is refused if the object has changed since that version.',
  ].join('\n'),
  examples: [
    "  # Note who owns Deployment api",
    "  a-kubectl annotate deployment api owner='team-shop <shop@example.org>'",
    '  ',
    '  # Replace a value that is already set, on every pod labelled app=api',
    "  a-kubectl annotate pods -l app=api --overwrite note='drained for upgrade'",
    '  ',
    '  # Remove the note annotation',
    '  a-kubectl annotate deployment api note-',
  ].join('\n'),
  usage: 'annotate [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [options]',
  flags: metadataFlags('annotations'),
  run: (ctx, args) => runMetadataCommand(ctx, args, 'annotation'),
};
