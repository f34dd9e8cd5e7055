// `create deployment NAME --image=image [--replicas=n] [--port=p]`
import type { Command } from '../command.js';
import { resourcePath } from '../../client/paths.js';
import { CliError } from '../errors.js';
import { createGenerated, generatorFlags, requireOneName, targetNamespace } from './create-generated.js';

/** kubectl names each container after its image: the last path segment, without tag or digest. */
export function containerNames(images: string[]): string[] {
  const used = new Set<string>();
  return images.map((image) => {
    let name = (image.split('/').pop() ?? image).split('@')[0]?.split(':')[0] ?? image;
    name = name.toLowerCase().replace(/[^a-z0-9-]/g, '-');
    let candidate = name;
    for (let i = 1; used.has(candidate); i++) candidate = `${name}-${i}`;
    used.add(candidate);
    return candidate;
  });
}

export const command: Command = {
  name: 'deployment',
  aliases: ['deploy'],
  short: 'Create a Deployment running one or more images',
  long: 'Create a Deployment with the given name running one or more images.',
  examples: [
    '  # A Deployment "api" with one pod running the image',
    '  a-kubectl create deployment api --image=registry.example.org/api:2.1',
    '  ',
    '  # Three replicas, with port 8080 declared',
    '  a-kubectl create deployment api --image=registry.example.org/api:2.1 --replicas=3 --port=8080',
    '  ',
    '  # Two containers in each pod',
    '  a-kubectl create deployment api --image=registry.example.org/api:2.1 --image=registry.example.org/log-shipper:1',
  ].join('\n'),
  usage: 'create deployment NAME --image=image -- [COMMAND] [args...] [options]',
  flags: [
    ...generatorFlags,
    { name: 'image', kind: 'stringSlice', usage: 'Image to run; give it several times for one container per image.' },
    { name: 'port', kind: 'int', default: -1, usage: 'Container port to declare on the pod template.' },
    { name: 'replicas', short: 'r', kind: 'int', default: 1, usage: 'How many pods the Deployment keeps (1 unless given).' },
  ],
  async run(ctx, args) {
    const name = requireOneName(ctx, args);
    const images = args.flags.list('image');
    if (images.length === 0) throw new CliError('required flag(s) "image" not set');
    const command = args.afterDash ?? [];
    if (command.length > 0 && images.length > 1) throw new CliError('cannot specify multiple --image options and command');
    const port = args.flags.int('port');
    const { namespace, inObject } = await targetNamespace(ctx);
    const labels = { app: name };
    const names = containerNames(images);
    const containers = images.map((image, i) => ({
      name: names[i] ?? image,
      image,
      ...(command.length > 0 ? { command } : {}),
      ...(port >= 0 ? { ports: [{ containerPort: port }] } : {}),
      resources: {},
    }));
    const object = {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name, ...inObject, creationTimestamp: null, labels },
      spec: {
        replicas: args.flags.int('replicas'),
        selector: { matchLabels: labels },
        template: { metadata: { creationTimestamp: null, labels }, spec: { containers } },
        strategy: {},
      },
      status: {},
    };
    await createGenerated(ctx, args, {
      object,
      path: resourcePath({ group: 'apps', version: 'v1', resource: 'deployments', namespace }),
      typeName: 'deployment.apps',
      errorPrefix: 'failed to create deployment',
    });
  },
};
