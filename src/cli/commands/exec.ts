// `exec (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] -- COMMAND [args...]` over WebSocket (v5.channel.k8s.io).
import { isRecord } from '../../api/object.js';
import type { Command } from '../command.js';
import { CliError, ExitError, UsageError } from '../errors.js';
import { rawModeOf, runPodSession } from '../streaming/pod-session.js';
import { chooseContainer, podFor } from './pod-for.js';

export const command: Command = {
  name: 'exec',
  short: 'Run a command inside a container',
  long: 'Run a command inside a running container and stream its input and output.',
  examples: [
    "  # Get output from running the 'date' command from pod mypod, using the first container by default",
    '  kubectl exec mypod -- date',
    '  ',
    "  # Get output from running the 'date' command in ruby-container from pod mypod",
    '  kubectl exec mypod -c ruby-container -- date',
    '  ',
    "  # Switch to raw terminal mode; sends stdin to 'bash' in ruby-container from pod mypod",
    "  # and sends stdout/stderr from 'bash' back to the client",
    '  kubectl exec mypod -c ruby-container -i -t -- bash -il',
    '  ',
    '  # List contents of /usr from the first container of pod mypod and sort by modification time',
    '  # If the command you want to execute in the pod has any flags in common (e.g. -i),',
    '  # you must use two dashes (--) to separate your command\'s flags/arguments',
    '  # Also note, do not surround your command and its flags/arguments with quotes',
    '  # unless that is how you would execute it normally (i.e., do ls -t /usr, not "ls -t /usr")',
    '  kubectl exec mypod -i -t -- ls -t /usr',
    '  ',
    "  # Get output from running 'date' command from the first pod of the deployment mydeployment, using the first container by default",
    '  kubectl exec deploy/mydeployment -- date',
    '  ',
    "  # Get output from running 'date' command from the first pod of the service myservice, using the first container by default",
    '  kubectl exec svc/myservice -- date',
  ].join('\n'),
  usage: 'exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...] [options]',
  flags: [
    { name: 'container', short: 'c', kind: 'string', usage: 'Which container to use. Without it, the one named by the pod\'s kubectl.kubernetes.io/default-container annotation, else the pod\'s first container.' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Print only what the container writes, no status lines of a-kubectl.' },
    { name: 'stdin', short: 'i', kind: 'bool', usage: 'Send this terminal\'s input to the container.' },
    { name: 'tty', short: 't', kind: 'bool', usage: 'Stdin is a TTY' },
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
