// `scale --replicas=N (TYPE NAME | TYPE/NAME | -f FILE)`: a merge patch on the scale subresource, or, with
// --current-replicas / --resource-version preconditions, a checked update of it (kubectl/pkg/scale).
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { isNotFound, ApiError } from '../../client/api-error.js';
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import { dryRunFlag, dryRunOf, filenameFlags, outputFlags, selectorFlag } from '../flag-sets.js';
import { printResult } from '../output.js';
import { resolveTargets, targetPath } from './targets.js';

function scaleReplicas(scale: KubeObject): number {
  return isRecord(scale.spec) && typeof scale.spec.replicas === 'number' ? scale.spec.replicas : 0;
}

export const command: Command = {
  name: 'scale',
  short: 'Change the replica count of a scalable workload',
  long: [
    'Set the number of replicas of a Deployment, ReplicaSet, ReplicationController or StatefulSet (anything with a',
    'scale subresource).',
    '',
    ' --current-replicas and --resource-version are conditions on the object as it is read just before the change;',
    ' the change carries that resourceVersion, so it fails if the object was modified in between.',
  ].join('\n'),
  examples: [
    '  # Run five pods of Deployment "api"',
    '  a-kubectl scale deployment/api --replicas=5',
    '  ',
    '  # Scale what api.yaml names',
    '  a-kubectl scale -f api.yaml --replicas=2',
    '  ',
    '  # Scale down only if it has 5 replicas now',
    '  a-kubectl scale deployment/api --current-replicas=5 --replicas=3',
    '  ',
    '  # Several workloads at once',
    '  a-kubectl scale statefulset/db statefulset/cache --replicas=1',
  ].join('\n'),
  usage: 'scale [--resource-version=version] [--current-replicas=count] --replicas=COUNT (-f FILENAME | TYPE NAME) [options]',
  flags: [
    ...outputFlags(),
    ...filenameFlags('with the objects to scale'),
    selectorFlag,
    dryRunFlag,
    { name: 'all', kind: 'bool', usage: 'Act on every object of the given types in the namespace' },
    { name: 'current-replicas', kind: 'int', default: -1, usage: 'Only scale when the replica count is this now; -1 (default) skips the check.' },
    { name: 'replicas', kind: 'int', usage: 'Replica count to set (required).' },
    { name: 'resource-version', kind: 'string', usage: 'Only scale when the object\'s resourceVersion is this.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    if (!f.has('replicas')) throw new CliError('required flag(s) "replicas" not set');
    const replicas = f.int('replicas');
    if (replicas < 0) throw new CliError('The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
    const dryRun = dryRunOf(f, ctx.io.stderr);
    const targets = await resolveTargets(ctx, f, args.positionals, 'scale', { selectorAllowed: true });
    const currentReplicas = f.int('current-replicas');
    const resourceVersion = f.string('resource-version');
    if (targets.length > 1 && (currentReplicas !== -1 || resourceVersion)) throw new CliError('cannot use --resource-version or --current-replicas with multiple resources');
    const client = await ctx.factory.client();
    const signal = ctx.factory.signal;
    for (const t of targets) {
      let obj: KubeObject;
      try {
        obj = await client.get(targetPath(t), { signal });
      } catch (e) {
        if (isNotFound(e) && e instanceof ApiError) throw new CliError(`no objects passed to scale ${e.message}`);
        throw e;
      }
      if (dryRun !== 'client') {
        const query = { fieldManager: undefined, dryRun: dryRun === 'server' ? 'All' : undefined };
        if (currentReplicas !== -1 || resourceVersion) {
          const scale = await client.get(targetPath(t, 'scale'), { signal });
          if (currentReplicas !== -1 && scaleReplicas(scale) !== currentReplicas) throw new CliError(`Expected replicas to be ${currentReplicas}, was ${scaleReplicas(scale)}`);
          if (resourceVersion && scale.metadata.resourceVersion !== resourceVersion) throw new CliError(`Expected resource version to be ${resourceVersion}, was ${scale.metadata.resourceVersion ?? ''}`);
          const spec = isRecord(scale.spec) ? scale.spec : {};
          await client.update(targetPath(t, 'scale'), { ...scale, spec: { ...spec, replicas } }, { query, signal });
        } else {
          await client.patch(targetPath(t, 'scale'), { spec: { replicas } }, 'merge', { query, signal });
        }
      }
      await printResult(ctx, f, obj, t.typeName, 'scaled', dryRun);
    }
  },
};
