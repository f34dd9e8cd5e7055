// `exec (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] -- COMMAND [args...]` over WebSocket (v5.channel.k8s.io).
import { isRecord } from '../../api/object.js';
import { containerFlag, streamFlags } from '../flag-sets.js';
import type { Command } from '../command.js';
import { CliError, ExitError, UsageError } from '../errors.js';
import { rawModeOf, runPodSession } from '../streaming/pod-session.js';
import { chooseContainer, podFor } from './pod-for.js';

export const command: Command = {
  name: 'exec',
  short: 'Run a command inside a container',
  long: 'Run a command inside a running container and stream its input and output.',
  examples: [
    '  # Print the date inside pod api-0 (first container)',
    '  a-kubectl exec api-0 -- date',
    '  ',
    '  # Open an interactive shell in its "tools" container',
    '  a-kubectl exec -it api-0 -c tools -- sh',
    '  ',
    '  # Everything after -- goes to the command, flags included',
    '  a-kubectl exec api-0 -- ls -la /srv',
    '  ',
    '  # Run in the first pod of a Deployment',
    '  a-kubectl exec deployment/api -- env',
  ].join('\n'),
  usage: 'exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...] [options]',
  flags: [
    containerFlag,
    ...streamFlags,
  ],
  async run(ctx, args) {
    const f = args.flags;
    const [target, ...legacyCommand] = args.positionals;
    if (!target) throw new UsageError('pod, type/name or --filename must be specified', ctx.path);
    // `exec POD COMMAND` without `--` (the seed's form) is still accepted
    const commandLine = args.afterDash ?? legacyCommand;
    if (args.afterDash && legacyCommand.length > 0) throw new UsageError('exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead', ctx.path);
    if (commandLine.length === 0) throw new UsageError('you must specify at least one command for the container', ctx.path);

    const { namespace } = await ctx.factory.namespace();
    const pod = await podFor(ctx, target, namespace);
    const phase = isRecord(pod.status) ? pod.status.phase : undefined;
    if (phase === 'Succeeded' || phase === 'Failed') throw new CliError(`cannot exec into a container in a completed pod; current phase is ${phase}`);
    const container = chooseContainer(pod, f.string('container'));
    if (container.notice && !f.bool('quiet')) ctx.io.stderr.write(container.notice);

    const stdin = f.bool('stdin');
    const raw = rawModeOf(ctx.io.stdin);
    let tty = f.bool('tty');
    if (tty && !(stdin && raw.isTTY)) {
      if (!f.bool('quiet')) ctx.io.stderr.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
      tty = false;
    }
    const code = await runPodSession(ctx, {
      subresource: 'exec',
      namespace: pod.metadata.namespace ?? namespace,
      pod: pod.metadata.name ?? target,
      container: container.name,
      command: commandLine,
      stdin,
      tty,
    });
    if (code !== 0) {
      ctx.io.stderr.write(`command terminated with exit code ${code}\n`);
      throw new ExitError(code);
    }
  },
};
