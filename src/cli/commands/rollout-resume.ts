// `rollout resume RESOURCE`
import type { Command } from '../command.js';
import { resumePatch, rolloutPatchFlags, runRolloutPatch } from './rollout-patch.js';

export const command: Command = {
  name: 'resume',
  short: 'Resume the rollout of a paused workload',
  long: 'Resume the rollout of a paused Deployment: changes made to its pod template while paused are rolled out now. Only Deployments can be paused and resumed.',
  examples: '  # Roll out what changed while Deployment "api" was paused\n  a-kubectl rollout resume deployment/api',
  usage: 'rollout resume RESOURCE [options]',
  flags: rolloutPatchFlags,
  run: (ctx, args) => runRolloutPatch(ctx, args, 'resume', resumePatch, 'resumed'),
};
