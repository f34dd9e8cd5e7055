// `top`: only groups its sub-commands.
import type { Command } from '../command.js';

export const command: Command = {
  name: 'top',
  short: 'Display resource (CPU/memory) usage',
  long: [
    'Show the CPU and memory nodes and pods use, from the metrics.k8s.io API.',
    '',
    'The figures come from the node agents\' own measurements: CPU as the mean over the last sampling window',
    '(about ten seconds), memory as the working set. A pod that started moments ago has no figures until its',
    'node has measured it twice.',
  ].join('\n'),
  usage: 'top [flags] [options]',
  flags: [],
  subcommands: [
    { name: 'node', aliases: ['nodes', 'no'], short: 'Display resource (CPU/memory) usage of nodes', load: async () => (await import('./top-node.js')).command },
    { name: 'pod', aliases: ['pods', 'po'], short: 'Display resource (CPU/memory) usage of pods', load: async () => (await import('./top-pod.js')).command },
  ],
};
