// `set image (TYPE NAME | TYPE/NAME | -f FILE) CONTAINER=IMAGE …` (`*` for every container).
import type { KubeObject } from '../../api/object.js';
import type { Command } from '../command.js';
import { CliError } from '../errors.js';
import { containersOf, podSpecOf } from './pod-templates.js';
import { runSetCommand, setFlags } from './set-common.js';

/** Sets images on containers and init containers; throws for a container name nothing matched. */
export function setImages(obj: KubeObject, images: ReadonlyMap<string, string>): void {
  const spec = podSpecOf(obj);
  if (!spec) return;
  for (const [name, image] of images) {
    let found = false;
    for (const c of [...containersOf(spec, 'initContainers'), ...containersOf(spec, 'containers')]) {
      if (name === '*' || c.name === name) {
        c.image = image;
        found = true;
      }
    }
    if (!found) throw new CliError(`unable to find container named ${JSON.stringify(name)}`);
  }
}

export const command: Command = {
  name: 'image',
  short: 'Change container images in pod templates',
  long: 'Change the image of named containers (CONTAINER=IMAGE, or *=IMAGE for all) in pods and pod templates.\n\n Types accepted (any case):\n\n        pod (po), replicationcontroller (rc), deployment (deploy), daemonset (ds), statefulset (sts), cronjob (cj), replicaset (rs)',
  examples: [
    '  # Move the "api" container of Deployment "api" to a new image',
    '  a-kubectl set image deployment/api api=registry.example.org/api:2.2',
    '  ',
    '  # Change two containers at once',
    '  a-kubectl set image deployment/api api=registry.example.org/api:2.2 proxy=envoyproxy/envoy:v1.30',
    '  ',
    '  # Give every container of DaemonSet "agent" the same image',
    '  a-kubectl set image daemonset/agent \'*=registry.example.org/agent:5\'',
    '  ',
    '  # Edit a manifest file only and print the result',
    '  a-kubectl set image -f api.yaml api=registry.example.org/api:2.2 --local -o yaml',
  ].join('\n'),
  usage: 'set image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... CONTAINER_NAME_N=CONTAINER_IMAGE_N [options]',
  flags: setFlags(),
  async run(ctx, args) {
    const resourceArgs = args.positionals.filter((a) => !a.includes('='));
    const images = new Map<string, string>();
    for (const a of args.positionals.filter((x) => x.includes('='))) {
      const eq = a.indexOf('=');
      images.set(a.slice(0, eq), a.slice(eq + 1));
    }
    if (images.size === 0) throw new CliError('at least one image update is required');
    await runSetCommand(ctx, args, resourceArgs, (copy) => setImages(copy, images), 'image updated');
  },
};
