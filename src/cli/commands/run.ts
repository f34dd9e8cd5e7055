// `run NAME --image=IMAGE`: a Deployment labelled run=NAME (or a Pod / Job by --restart), --overrides merged in.
import type { KubeObject } from '../../api/object.js';
import { resourcePath } from '../../client/paths.js';
import type { Command, CommandContext } from '../command.js';
import type { FlagValues } from '../args.js';
import { CliError, UsageError } from '../errors.js';
import { dryRunFlag, dryRunOf, fieldManagerFlag, outputFlags, type DryRun } from '../flag-sets.js';
import { printObjects, printResult } from '../output.js';
import { applyOverrides, generateRunObject, generateRunService, restartPolicyOf, type RunParams } from './run-objects.js';

const collections: Record<string, { group: string; version: string; resource: string; typeName: string }> = {
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments', typeName: 'deployment.apps' },
  Pod: { group: '', version: 'v1', resource: 'pods', typeName: 'pod' },
  Job: { group: 'batch', version: 'v1', resource: 'jobs', typeName: 'job.batch' },
  Service: { group: '', version: 'v1', resource: 'services', typeName: 'service' },
};

async function send(ctx: CommandContext, flags: FlagValues, obj: KubeObject, namespace: string, dryRun: DryRun): Promise<KubeObject> {
  if (dryRun === 'client') return obj;
  const target = collections[obj.kind ?? ''];
  if (!target) throw new CliError(`cannot create a ${obj.kind ?? 'object without kind'}`);
  let body = obj;
  if (flags.bool('save-config')) {
    const annotations = { ...obj.metadata.annotations, 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(obj)}\n` };
    body = { ...obj, metadata: { ...obj.metadata, annotations } };
  }
  const client = await ctx.factory.client();
  return client.create(resourcePath({ ...target, namespace: obj.metadata.namespace ?? namespace }), body, {
    query: { fieldManager: flags.string('field-manager'), dryRun: dryRun === 'server' ? 'All' : undefined },
    signal: ctx.factory.signal,
  });
}

export const command: Command = {
  name: 'run',
  short: 'Start a pod running an image',
  long: 'Start an image on the cluster: as a bare pod (--restart=Never), a Job (--restart=OnFailure) or a Deployment (--restart=Always, the default).',
  examples: [
    '  # Start pod "web" running the image',
    '  a-kubectl run web --image=registry.example.org/web:1.4',
    '  ',
    '  # Declare a port, set variables and labels',
    '  a-kubectl run web --image=registry.example.org/web:1.4 --port=8080 --env=MODE=prod --labels=app=web,tier=front',
    '  ',
    '  # Print the pod that would be sent, create nothing',
    '  a-kubectl run web --image=registry.example.org/web:1.4 --dry-run=client -o yaml',
    '  ',
    '  # A one-off pod that is not restarted and whose command is replaced',
    '  a-kubectl run once --image=busybox --restart=Never --command -- sh -c "echo ready"',
    '  ',
    '  # Give arguments to the image\'s own command',
    '  a-kubectl run pinger --image=alpine -- ping -c 3 10.0.0.1',
    '  ',
    '  # Change fields of the generated pod with JSON',
    '  a-kubectl run web --image=registry.example.org/web:1.4 --overrides=\'{"spec":{"serviceAccountName":"web"}}\'',
  ].join('\n'),
  usage: 'run NAME --image=image [--env="key=value"] [--port=port] [--replicas=replicas] [--dry-run=server|client] [--overrides=inline-json] [--command] -- [COMMAND] [args...] [options]',
  flags: [
    ...outputFlags(),
    dryRunFlag,
    fieldManagerFlag('kubectl-run'),
    { name: 'annotations', kind: 'stringArray', usage: 'Annotations to set on the pod (key=value, repeatable).' },
    { name: 'command', kind: 'bool', usage: "Use the words after -- as the container's command (replacing the image's entrypoint) instead of its args." },
    { name: 'env', kind: 'stringArray', usage: 'Environment variables for the container (NAME=value, repeatable).' },
    { name: 'expose', kind: 'bool', usage: 'Also create a ClusterIP Service for the pod; needs --port.' },
    { name: 'image', kind: 'string', usage: 'Image the container runs.' },
    { name: 'image-pull-policy', kind: 'string', usage: 'Always, IfNotPresent or Never; empty leaves the choice to the server\'s defaulting.' },
    { name: 'labels', short: 'l', kind: 'string', usage: 'Labels for the pod as key=value,key=value (replaces the default run=NAME).' },
    { name: 'override-type', kind: 'string', default: 'strategic', usage: 'The method used to override the generated object: json, merge, or strategic.' },
    { name: 'overrides', kind: 'string', usage: 'JSON merged over the generated object before it is sent; it must carry a valid apiVersion.' },
    { name: 'port', kind: 'string', usage: 'Container port to declare on the pod.' },
    { name: 'privileged', kind: 'bool', usage: 'Run the container privileged.' },
    { name: 'replicas', short: 'r', kind: 'int', default: 1, usage: 'Number of replicas to create for the deployment (--restart=Always).' },
    { name: 'restart', kind: 'string', default: 'Always', usage: 'The restart policy for this Pod.  Legal values [Always, OnFailure, Never]. Always creates a deployment, OnFailure a job, Never a bare pod.' },
    { name: 'save-config', kind: 'bool', usage: 'Store the object as sent in the kubectl.kubernetes.io/last-applied-configuration annotation, so a later client-side apply can diff against it.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    if (!f.string('image')) throw new CliError('required flag(s) "image" not set');
    const name = args.positionals[0];
    if (!name) throw new UsageError('NAME is required for run', ctx.path);
    const restart = restartPolicyOf(f.string('restart'));
    if (f.bool('expose') && !f.string('port')) throw new UsageError('--port must be set when exposing a service', ctx.path);
    const dryRun = dryRunOf(f, ctx.io.stderr);
    const { namespace, explicit } = await ctx.factory.namespace();
    const params: RunParams = {
      name,
      image: f.string('image'),
      ...(explicit ? { namespace } : {}),
      restart,
      replicas: f.int('replicas'),
      port: f.string('port'),
      env: f.list('env'),
      labels: f.string('labels'),
      annotations: f.list('annotations'),
      imagePullPolicy: f.string('image-pull-policy'),
      privileged: f.bool('privileged'),
      args: [...args.positionals.slice(1), ...(args.afterDash ?? [])],
      command: f.bool('command'),
    };
    let obj = generateRunObject(params);
    const service = f.bool('expose') ? generateRunService(params) : undefined;
    const overrides = f.string('overrides');
    if (overrides) obj = applyOverrides(obj, overrides, f.string('override-type'), await import('../../api/patch/index.js'));

    const results: { obj: KubeObject; typeName: string }[] = [];
    if (service) results.push({ obj: await send(ctx, f, service, namespace, dryRun), typeName: 'service' });
    results.push({ obj: await send(ctx, f, obj, namespace, dryRun), typeName: collections[obj.kind ?? '']?.typeName ?? (obj.kind ?? '').toLowerCase() });
    const output = f.string('output');
    if (output && output !== 'name') {
      for (const [i, r] of results.entries()) {
        if (i > 0 && output === 'yaml') ctx.io.stdout.write('---\n');
        await printObjects(ctx, f, [r.obj]);
      }
      return;
    }
    for (const r of results) await printResult(ctx, f, r.obj, r.typeName, 'created', dryRun);
  },
};
