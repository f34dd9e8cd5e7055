// `rollout restart RESOURCE`: stamps kubectl.kubernetes.io/restartedAt on the pod template.
import type { Command } from '../command.js';
import { restartPatch, rolloutPatchFlags, runRolloutPatch } from './rollout-patch.js';

export const command: Command = {
  name: 'restart',
  short: 'Restart a resource',
  long: 'Restart a resource.\n\n        Resource rollout will be restarted.',
  examples: [
    '  # Restart all deployments in the test-namespace namespace',
    '  kubectl rollout restart deployment -n test-namespace',
    '  ',
    '  # Restart a deployment',
    '  kubectl rollout restart deployment/nginx',
    '  ',
    '  # Restart a daemon set',
    '  kubectl rollout restart daemonset/abc',
    '  ',
    '  # Restart deployments with the app=nginx label',
    '  kubectl rollout restart deployment --selector=app=nginx',
  ].join('\n'),
  usage: 'rollout restart RESOURCE [options]',
  flags: rolloutPatchFlags,
  run: (ctx, args) => runRolloutPatch(ctx, args, 'restart', restartPatch, 'restarted'),
};
