// `rollout`: only groups its sub-commands.
import type { Command } from '../command.js';

export const command: Command = {
  name: 'rollout',
  short: 'Watch, pause, resume, restart or undo rollouts of workloads',
  long: 'Follow, pause, resume, restart or undo the rollout of workloads.\n\n Types accepted:\n\n  *  deployments\n  *  daemonsets\n  *  statefulsets',
  examples: [
    '  # Follow the rollout of Deployment "api" until it is done',
    '  a-kubectl rollout status deployment/api',
    '  ',
    '  # List its recorded revisions',
    '  a-kubectl rollout history deployment/api',
    '  ',
    '  # Go back to the previous revision',
    '  a-kubectl rollout undo deployment/api',
    '  ',
    '  # Replace all pods of a StatefulSet',
    '  a-kubectl rollout restart statefulset/db',
  ].join('\n'),
  usage: 'rollout SUBCOMMAND [options]',
  flags: [],
  subcommands: [
    { name: 'history', short: 'List the recorded revisions of a workload', load: async () => (await import('./rollout-history.js')).command },
    { name: 'pause', short: 'Pause the rollout of a workload', load: async () => (await import('./rollout-pause.js')).command },
    { name: 'restart', short: 'Restart a resource', load: async () => (await import('./rollout-restart.js')).command },
    { name: 'resume', short: 'Resume the rollout of a paused workload', load: async () => (await import('./rollout-resume.js')).command },
    { name: 'status', short: 'Follow a rollout until it finishes', load: async () => (await import('./rollout-status.js')).command },
    { name: 'undo', short: 'Put a workload back to an earlier revision', load: async () => (await import('./rollout-undo.js')).command },
  ],
};
