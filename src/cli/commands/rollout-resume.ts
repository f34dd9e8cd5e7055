// `rollout resume RESOURCE`
import type { Command } from '../command.js';
import { resumePatch, rolloutPatchFlags, runRolloutPatch } from './rollout-patch.js';

export const command: Command = {
  name: 'resume',
  short: 'Resume the rollout of a paused workload',
  long: 'Resume a paused resource.\n\n Paused resources will not be reconciled by a controller. By resuming a resource, we allow it to be reconciled again. Currently only deployments support being resumed.',
  examples: '  # Resume an already paused deployment\n  kubectl rollout resume deployment/nginx',
  usage: 'rollout resume RESOURCE [options]',
  flags: rolloutPatchFlags,
  run: (ctx, args) => runRolloutPatch(ctx, args, 'resume', resumePatch, 'resumed'),
};
