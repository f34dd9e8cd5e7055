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
    'Set a new size for a deployment, replica set, replication controller, or stateful set.',
    '',
    ' Scale also allows users to specify one or more preconditions for the scale action.',
    '',
    ' If --current-replicas or --resource-version is specified, it is validated before the scale is attempted, and it is guaranteed that the precondition holds true when the scale is sent to the server.',
  ].join('\n'),
  examples: [
    "  # Scale a replica set named 'foo' to 3",
    '  kubectl scale --replicas=3 rs/foo',
    '  ',
    '  # Scale a resource identified by type and name specified in "foo.yaml" to 3',
    '  kubectl scale --replicas=3 -f foo.yaml',
    '  ',
    "  # If the deployment named mysql's current size is 2, scale mysql to 3",
    '  kubectl scale --current-replicas=2 --replicas=3 deployment/mysql',
    '  ',
    '  # Scale multiple replication controllers',
    '  kubectl scale --replicas=5 rc/example1 rc/example2 rc/example3',
    '  ',
    "  # Scale stateful set named 'web' to 3",
    '  kubectl scale --replicas=3 statefulset/web',
  ].join('\n'),
  usage: 'scale [--resource-version=version] [--current-replicas=count] --replicas=COUNT (-f FILENAME | TYPE NAME) [options]',
  flags: [
    ...outputFlags(),
    ...filenameFlags('identifying the resource to set a new size'),
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
