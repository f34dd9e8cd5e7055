// `rollout restart RESOURCE`: stamps kubectl.kubernetes.io/restartedAt on the pod template.
import type { Command } from '../command.js';
import { restartPatch, rolloutPatchFlags, runRolloutPatch } from './rollout-patch.js';

export const command: Command = {
  name: 'restart',
  short: 'Restart a resource',
  long: 'Replace all pods of a Deployment, DaemonSet or StatefulSet following its update strategy, by stamping a restart time on its pod template.',
  examples: [
    '  # Restart the pods of Deployment "api" one step at a time',
    '  a-kubectl rollout restart deployment/api',
    '  ',
    '  # Restart the DaemonSet "node-exporter"',
    '  a-kubectl rollout restart daemonset/node-exporter -n monitoring',
    '  ',
    '  # Restart every Deployment labelled team=shop',
    '  a-kubectl rollout restart deployment -l team=shop',
  ].join('\n'),
  usage: 'rollout restart RESOURCE [options]',
  flags: rolloutPatchFlags,
  run: (ctx, args) => runRolloutPatch(ctx, args, 'restart', restartPatch, 'restarted'),
};
