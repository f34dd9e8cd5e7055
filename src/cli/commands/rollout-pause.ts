// `rollout pause RESOURCE`
import type { Command } from '../command.js';
import { pausePatch, rolloutPatchFlags, runRolloutPatch } from './rollout-patch.js';

export const command: Command = {
  name: 'pause',
  short: 'Pause the rollout of a workload',
  long: 'Pause the rollout of a Deployment: changes to its pod template are recorded but not rolled out until it is resumed with \'a-kubectl rollout resume\'. Pods already running keep running. Only Deployments can be paused.',
  examples: '  # Make several changes to Deployment "api" and roll them out together later\n  a-kubectl rollout pause deployment/api',
  usage: 'rollout pause RESOURCE [options]',
  flags: rolloutPatchFlags,
  run: (ctx, args) => runRolloutPatch(ctx, args, 'pause', pausePatch, 'paused'),
};
