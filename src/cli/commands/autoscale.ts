// `autoscale (TYPE NAME | TYPE/NAME) --max=N [--min=N] [--cpu-percent=N]`: an autoscaling/v1
// HorizontalPodAutoscaler for a deployment, replica set, stateful set or replication controller
// (kubectl/pkg/cmd/autoscale).
import type { KubeObject } from '../../api/object.js';
import { resourcePath } from '../../client/paths.js';
import type { FlagValues } from '../args.js';
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import { dryRunFlag, dryRunOf, fieldManagerFlag, filenameFlags, outputFlags } from '../flag-sets.js';
import { printResult } from '../output.js';
import { applyOverrides } from './run-objects.js';
import { resolveTargets, type Target } from './targets.js';

const scalable = new Set(['apps/Deployment', 'apps/ReplicaSet', 'apps/StatefulSet', '/ReplicationController']);

export function validateAutoscaleFlags(f: FlagValues): void {
  const max = f.int('max');
  const min = f.int('min');
  if (max < 1) throw new CliError(`--max=MAXPODS is required and must be at least 1, max: ${max}`);
  if (max < min) throw new CliError(`--max=MAXPODS must be larger or equal to --min=MINPODS, max: ${max}, min: ${min}`);
}

export function generateAutoscaler(t: Pick<Target, 'mapping' | 'name' | 'namespace'>, f: FlagValues): KubeObject {
  const spec: Record<string, unknown> = {
    scaleTargetRef: { apiVersion: t.mapping.group ? `${t.mapping.group}/${t.mapping.version}` : t.mapping.version, kind: t.mapping.kind, name: t.name },
    maxReplicas: f.int('max'),
  };
  if (f.int('min') > 0) spec.minReplicas = f.int('min');
  if (f.int('cpu-percent') >= 0) spec.targetCPUUtilizationPercentage = f.int('cpu-percent');
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: f.string('name') || t.name, ...(t.namespace ? { namespace: t.namespace } : {}), creationTimestamp: null },
    spec,
    status: { currentReplicas: 0, desiredReplicas: 0 },
  };
}

export const command: Command = {
  name: 'autoscale',
  short: 'Create a HorizontalPodAutoscaler for a scalable workload',
  long: [
    'Create a horizontal pod autoscaler for a workload that has a scale subresource.',
    '',
    ' The autoscaler keeps the workload between --min and --max replicas, adding or removing pods so that their average',
    ' CPU use stays near --cpu-percent of what they request. Without --cpu-percent the server applies its default target.',
    ' The autoscaler gets the workload\'s name unless --name gives another.',
  ].join('\n'),
  examples: [
    '  # Between 2 and 10 pods for deployment "web", at the server\'s default CPU target',
    '  a-kubectl autoscale deployment web --min=2 --max=10',
    '  ',
    '  # Between 1 and 5 pods for replication controller "legacy", aiming at 80% CPU use',
    '  a-kubectl autoscale rc legacy --max=5 --cpu-percent=80',
  ].join('\n'),
  usage: 'autoscale (-f FILENAME | TYPE NAME | TYPE/NAME) [--min=MINPODS] --max=MAXPODS [--cpu-percent=CPU] [options]',
  flags: [
    ...outputFlags(),
    ...filenameFlags('with the workload to autoscale'),
    dryRunFlag,
    fieldManagerFlag('kubectl-autoscale'),
    { name: 'cpu-percent', kind: 'int', default: -1, usage: 'Average CPU use to aim for, as a percentage of the pods\' requests. -1 (the default) leaves the target to the server.' },
    { name: 'max', kind: 'int', default: -1, usage: 'Most pods the autoscaler may run. Required, at least 1.' },
    { name: 'min', kind: 'int', default: -1, usage: 'Fewest pods the autoscaler may run. -1 (the default) leaves the lower bound to the server (1).' },
    { name: 'name', kind: 'string', usage: 'Name of the new autoscaler (default: the name of the workload).' },
    { name: 'override-type', kind: 'string', default: 'merge', usage: 'How --overrides is applied: json, merge, or strategic.' },
    { name: 'overrides', kind: 'string', usage: 'Inline JSON applied to the generated object before it is sent.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    validateAutoscaleFlags(f);
    const dryRun = dryRunOf(f, ctx.io.stderr);
    const targets = await resolveTargets(ctx, f, args.positionals, 'autoscale');
    const client = await ctx.factory.client();
    const signal = ctx.factory.signal;
    for (const t of targets) {
      if (!scalable.has(`${t.mapping.group}/${t.mapping.kind}`)) {
        throw new CliError(`cannot autoscale a ${t.mapping.kind}: the kinds with a scale subresource are Deployment, ReplicaSet, StatefulSet and ReplicationController`);
      }
      await client.get(`${resourcePath({ group: t.mapping.group, version: t.mapping.version, resource: t.mapping.resource, ...(t.namespace ? { namespace: t.namespace } : {}), name: t.name })}`, { signal });
      let hpa = generateAutoscaler(t, f);
      if (f.string('overrides')) hpa = applyOverrides(hpa, f.string('overrides'), f.string('override-type'), await import('../../api/patch/index.js'));
      if (dryRun !== 'client') {
        const namespace = hpa.metadata.namespace ?? (await ctx.factory.namespace()).namespace;
        hpa = await client.create(resourcePath({ group: 'autoscaling', version: 'v1', resource: 'horizontalpodautoscalers', namespace }), hpa, {
          query: { fieldManager: f.string('field-manager'), dryRun: dryRun === 'server' ? 'All' : undefined },
          signal,
        });
      }
      await printResult(ctx, f, hpa, 'horizontalpodautoscaler.autoscaling', 'autoscaled', dryRun);
    }
  },
};
