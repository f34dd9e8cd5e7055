// `rollout`: only groups its sub-commands.
import type { Command } from '../command.js';

export const command: Command = {
  name: 'rollout',
  short: 'Watch, pause, resume, restart or undo rollouts of workloads',
  long: 'Manage the rollout of one or many resources.\n        \n Valid resource types include:\n\n  *  deployments\n  *  daemonsets\n  *  statefulsets',
  examples: [
    '  # Rollback to the previous deployment',
    '  kubectl rollout undo deployment/abc',
    '  ',
    '  # Check the rollout status of a daemonset',
    '  kubectl rollout status daemonset/foo',
    '  ',
    '  # Restart a deployment',
    '  kubectl rollout restart deployment/abc',
    '  ',
    '  # Restart deployments with the \'app=nginx\' label',
    '  kubectl rollout restart deployment --selector=app=nginx',
  ].join('\n'),
  usage: 'rollout SUBCOMMAND [options]',
  flags: [],
  subcommands: [
    { name: 'history', short: 'View rollout history', load: async () => (await import('./rollout-history.js')).command },
    { name: 'pause', short: 'Pause the rollout of a workload', load: async () => (await import('./rollout-pause.js')).command },
    { name: 'restart', short: 'Restart a resource', load: async () => (await import('./rollout-restart.js')).command },
    { name: 'resume', short: 'Resume a paused resource', load: async () => (await import('./rollout-resume.js')).command },
    { name: 'status', short: 'Follow a rollout until it finishes', load: async () => (await import('./rollout-status.js')).command },
    { name: 'undo', short: 'Undo a previous rollout', load: async () => (await import('./rollout-undo.js')).command },
  ],
};
