// `config`: kubeconfig sub-commands.
import type { Command } from '../command.js';

export const command: Command = {
  name: 'config',
  short: 'Modify kubeconfig files',
  long: [
    'Modify kubeconfig files using subcommands like "kubectl config set current-context my-context".',
    '',
    ' The loading order follows these rules:',
    '',
    '  1.  If the --kubeconfig flag is set, then only that file is loaded. The flag may only be set once and no merging takes place.',
    '  2.  If $KUBECONFIG environment variable is set, then it is used as a list of paths (normal path delimiting rules for your system). These paths are merged. When a value is modified, it is modified in the file that defines the stanza. When a value is created, it is created in the first file that exists. If no files in the chain exist, then it creates the last file in the list.',
    '  3.  Otherwise, ${HOME}/.a-kube/admin.kubeconfig and ${HOME}/.kube/config are merged, in that order.',
  ].join('\n'),
  usage: 'config SUBCOMMAND [options]',
  flags: [],
  subcommands: [
    { name: 'current-context', short: 'Print the name of the current context', load: async () => (await import('./config-current-context.js')).command },
    { name: 'get-contexts', short: 'List the contexts in the kubeconfig', load: async () => (await import('./config-get-contexts.js')).command },
    { name: 'set-context', short: 'Create or change a context in the kubeconfig', load: async () => (await import('./config-set-context.js')).command },
    { name: 'use-context', aliases: ['use'], short: 'Switch the kubeconfig to another context', load: async () => (await import('./config-use-context.js')).command },
    { name: 'view', short: 'Print the kubeconfig in effect (merged from all sources) or one given file', load: async () => (await import('./config-view.js')).command },
  ],
};
