// `annotate TYPE NAME KEY=VAL … KEY-`
import type { Command } from '../command.js';
import { metadataFlags, runMetadataCommand } from './metadata-command.js';

export const command: Command = {
  name: 'annotate',
  short: 'Add, change or remove annotations on resources',
  long: [
    'Update the annotations on one or more resources.',
    '',
    ' All Kubernetes objects support the ability to store additional data with the object as annotations. Annotations are key/value pairs that can be larger than labels and include arbitrary string values such as structured JSON. Tools and system extensions may use annotations to store their own data.',
    '',
    ' Attempting to set an annotation that already exists will fail unless --overwrite is set. If --resource-version is specified and does not match the current resource version on the server the command will fail.',
  ].join('\n'),
  examples: [
    "  # Update pod 'foo' with the annotation 'description' and the value 'my frontend'",
    "  kubectl annotate pods foo description='my frontend'",
    '  ',
    "  # Update pod 'foo' by removing an annotation named 'description' if it exists",
    '  kubectl annotate pods foo description-',
  ].join('\n'),
  usage: 'annotate [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [options]',
  flags: metadataFlags('annotations'),
  run: (ctx, args) => runMetadataCommand(ctx, args, 'annotation'),
};
