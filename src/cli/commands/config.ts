// `config`: kubeconfig sub-commands.
import type { Command } from '../command.js';

export const command: Command = {
  name: 'config',
  short: 'Read and change kubeconfig files',
  long: [
    'Read and change kubeconfig files: contexts, clusters, users and the current context.',
    '',
    ' Which files are read:',
    '',
    '  1.  With --kubeconfig, that one file only; nothing is merged.',
    '  2.  Otherwise, when $KUBECONFIG is set, every file in its list (separated by : on Linux), merged; the first',
    '      file to define an entry wins. A changed entry is written back to the file it came from, a new entry to the',
    '      first file that exists, or to the last file of the list when none exists.',
    '  3.  Otherwise ${HOME}/.a-kube/admin.kubeconfig and ${HOME}/.kube/config, merged in that order.',
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
