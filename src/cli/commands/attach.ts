// `attach (POD | TYPE/NAME) -c CONTAINER [-i] [-t]`: the streams of a running container's main process, over
// WebSocket (v5.channel.k8s.io) like exec.
import { isRecord } from '../../api/object.js';
import { containerFlag, streamFlags } from '../flag-sets.js';
import type { Command } from '../command.js';
import { CliError, ExitError, UsageError } from '../errors.js';
import { rawModeOf, runPodSession } from '../streaming/pod-session.js';
import { chooseContainer, podFor } from './pod-for.js';

export const command: Command = {
  name: 'attach',
  short: 'Connect to the main process of a running container',
  long: 'Connect your terminal to the main process of a container that is already running: see its output and, with -i, write to its input.',
  examples: [
    '  # Watch what the main process of pod build-7 is printing',
    '  a-kubectl attach build-7',
    '  ',
    '  # Pick the sidecar container of that pod',
    '  a-kubectl attach build-7 -c sidecar',
    '  ',
    '  # Talk to an interactive shell that runs as the container\'s main process',
    '  a-kubectl attach toolbox -c shell -i -t',
    '  ',
    '  # Attach to the first pod of the Deployment "queue"',
    '  a-kubectl attach deployment/queue',
  ].join('\n'),
  usage: 'attach (POD | TYPE/NAME) -c CONTAINER [options]',
  flags: [
    containerFlag,
    ...streamFlags,
  ],
  async run(ctx, args) {
    const f = args.flags;
    const [target, ...extra] = args.positionals;
    if (!target || extra.length > 0 || args.afterDash) throw new UsageError('expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw 0: []', ctx.path);
    const { namespace } = await ctx.factory.namespace();
    const pod = await podFor(ctx, target, namespace);
    const phase = isRecord(pod.status) ? pod.status.phase : undefined;
    if (phase === 'Succeeded' || phase === 'Failed') throw new CliError(`cannot attach a container in a completed pod; current phase is ${phase}`);
    const container = chooseContainer(pod, f.string('container'));
    if (container.notice && !f.bool('quiet')) ctx.io.stderr.write(container.notice);
    const spec = isRecord(pod.spec) && Array.isArray(pod.spec.containers) ? pod.spec.containers.filter(isRecord).find((c) => c.name === container.name) : undefined;

    const stdin = f.bool('stdin');
    const raw = rawModeOf(ctx.io.stdin);
    let tty = f.bool('tty');
    if (tty && spec && spec.tty !== true) {
      if (!f.bool('quiet')) ctx.io.stderr.write(`error: Unable to use a TTY - container ${container.name} did not allocate one\n`);
      tty = false;
    } else if (tty && !(stdin && raw.isTTY)) {
      if (!f.bool('quiet')) ctx.io.stderr.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
      tty = false;
    }
    if (!f.bool('quiet')) ctx.io.stderr.write("If you don't see a command prompt, try pressing enter.\n");
    const code = await runPodSession(ctx, {
      subresource: 'attach',
      namespace: pod.metadata.namespace ?? namespace,
      pod: pod.metadata.name ?? target,
      container: container.name,
      stdin,
      tty,
    });
    if (code !== 0) throw new ExitError(code);
  },
};
