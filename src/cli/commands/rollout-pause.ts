// `rollout pause RESOURCE`
import type { Command } from '../command.js';
import { pausePatch, rolloutPatchFlags, runRolloutPatch } from './rollout-patch.js';

export const command: Command = {
  name: 'pause',
  short: 'Pause the rollout of a workload',
  long: 'Mark the provided resource as paused.\n\n Paused resources will not be reconciled by a controller. Use "kubectl rollout resume" to resume a paused resource. Currently only deployments support being paused.',
  examples: '  # Mark the nginx deployment as paused\n  # Any current state of the deployment will continue its function; new updates\n  # to the deployment will not have an effect as long as the deployment is paused\n  kubectl rollout pause deployment/nginx',
  usage: 'rollout pause RESOURCE [options]',
  flags: rolloutPatchFlags,
  run: (ctx, args) => runRolloutPatch(ctx, args, 'pause', pausePatch, 'paused'),
};
