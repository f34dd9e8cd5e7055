// `debug POD --image=IMAGE [--target=CONTAINER] [-i] [-t] [-- COMMAND args...]`: adds an ephemeral container to a
// running pod through pods/ephemeralcontainers (a strategic merge patch, as kubectl sends it), waits until the
// node runs it, then attaches to it when -i/--attach asks.
import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../../api/object.js';
import { isRecord } from '../../api/object.js';
import { resourcePath } from '../../client/paths.js';
import type { Command, CommandContext } from '../command.js';
import { CliError, ExitError, UsageError } from '../errors.js';
import { rawModeOf, runPodSession } from '../streaming/pod-session.js';
import { containerNamesOf, podFor } from './pod-for.js';

const PROFILES = ['legacy', 'general', 'baseline', 'netadmin', 'restricted', 'sysadmin'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];

/** kubectl's generated names: five characters from a set without vowels or look-alikes. */
function debuggerName(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return `debugger-${[...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

/** The security context each profile gives the debugging container (legacy: none). */
export function profileSecurityContext(profile: string): Record<string, unknown> | undefined {
  switch (profile) {
    case 'general': return { capabilities: { add: ['SYS_PTRACE'] } };
    case 'netadmin': return { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] } };
    case 'sysadmin': return { privileged: true };
    case 'restricted': return { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };
    case 'baseline': return { capabilities: { drop: ['ALL'] } };
    default: return undefined;
  }
}

export interface EphemeralOptions {
  name: string;
  image: string;
  target: string;
  command: string[];
  argumentsOnly: boolean;
  env: string[];
  pullPolicy: string;
  stdin: boolean;
  tty: boolean;
  profile: string;
}

/** The ephemeral container kubectl debug would add. */
export function ephemeralContainer(o: EphemeralOptions): Record<string, unknown> {
  const env = o.env.map((kv) => {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new CliError(`invalid env: ${kv}`);
    return { name: kv.slice(0, eq), value: kv.slice(eq + 1) };
  });
  const sc = profileSecurityContext(o.profile);
  return {
    name: o.name,
    image: o.image,
    ...(o.command.length ? { [o.argumentsOnly ? 'args' : 'command']: o.command } : {}),
    ...(env.length ? { env } : {}),
    ...(o.pullPolicy ? { imagePullPolicy: o.pullPolicy } : {}),
    ...(o.stdin ? { stdin: true } : {}),
    ...(o.tty ? { tty: true } : {}),
    ...(o.target ? { targetContainerName: o.target } : {}),
    terminationMessagePolicy: 'File',
    ...(sc ? { securityContext: sc } : {}),
  };
}

function statusOf(pod: KubeObject, name: string): Record<string, unknown> | undefined {
  const status = isRecord(pod.status) ? pod.status : {};
  const list = Array.isArray(status.ephemeralContainerStatuses) ? status.ephemeralContainerStatuses.filter(isRecord) : [];
  return list.find((s) => s.name === name);
}

/** Polls the pod until the container runs or has ended; answers its state's key. */
async function waitForContainer(ctx: CommandContext, namespace: string, pod: string, name: string): Promise<'running' | 'terminated'> {
  const client = await ctx.factory.client();
  const path = resourcePath({ group: '', version: 'v1', resource: 'pods', namespace, name: pod });
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    const current = await client.get(path, { signal: ctx.factory.signal });
    const state = statusOf(current, name)?.state;
    if (isRecord(state) && isRecord(state.running)) return 'running';
    if (isRecord(state) && isRecord(state.terminated)) return 'terminated';
    const waiting = isRecord(state) && isRecord(state.waiting) ? state.waiting : undefined;
    if (waiting && (waiting.reason === 'ErrImagePull' || waiting.reason === 'ImagePullBackOff' || waiting.reason === 'ErrImageNeverPull' || waiting.reason === 'CreateContainerError')) {
      throw new CliError(`debug container ${name} cannot start: ${String(waiting.reason)}: ${String(waiting.message ?? '')}`);
    }
    if (Date.now() > deadline) throw new CliError(`timed out waiting for the debug container ${name} to start`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export const command: Command = {
  name: 'debug',
  short: 'Start a debug container in a pod, a debug copy of a pod, or a debug pod on a node',
  long: [
    'Add a temporary debugging container to a running pod and optionally attach to it.',
    '',
    'The container is an ephemeral container: it joins the pod\'s network and volumes, and with --target the',
    'process namespace of one of the pod\'s containers, so that tools in the debugging image can look at processes',
    'of an image that has no shell. Ephemeral containers are never restarted and cannot be removed; they end with',
    'their process or with the pod. a-kubectl adds ephemeral containers only: copies of pods (--copy-to) and node',
    'debugging pods are not built by this command.',
  ].join('\n'),
  examples: [
    '  # Add a busybox container to pod web and open a shell in it',
    '  a-kubectl debug -it web --image=busybox -- sh',
    '',
    '  # Share the process namespace of the container "app" so that its processes show in ps',
    '  a-kubectl debug -it web --image=busybox --target=app -- sh',
    '',
    '  # Start the debugging container without attaching; read it later with logs or attach',
    '  a-kubectl debug web --image=busybox -c probe -- sleep 600',
  ].join('\n'),
  usage: 'debug (POD | TYPE/NAME) --image=IMAGE [-- COMMAND [args...]] [options]',
  flags: [
    { name: 'arguments-only', kind: 'bool', usage: 'Pass the words after -- as arguments to the image\'s entrypoint instead of as the command.' },
    { name: 'attach', kind: 'bool', usage: 'Wait for the container to start and attach to it. Defaults to true with -i.' },
    { name: 'container', short: 'c', kind: 'string', usage: 'Name of the debugging container; a name of the form debugger-xxxxx is generated when empty.' },
    { name: 'env', kind: 'stringArray', usage: 'Environment variable NAME=VALUE for the debugging container; repeat the flag for more.' },
    { name: 'image', kind: 'string', usage: 'Image of the debugging container (required).' },
    { name: 'image-pull-policy', kind: 'string', usage: 'When to pull the image: Always, IfNotPresent or Never. Empty leaves it to the server\'s default.' },
    { name: 'profile', kind: 'string', default: 'legacy', usage: 'Security settings for the container: legacy, general (SYS_PTRACE), baseline, netadmin (NET_ADMIN, NET_RAW), restricted or sysadmin (privileged).' },
    { name: 'quiet', short: 'q', kind: 'bool', usage: 'Print nothing but the session\'s own output.' },
    { name: 'stdin', short: 'i', kind: 'bool', usage: 'Keep the container\'s stdin open and attach to it.' },
    { name: 'target', kind: 'string', usage: 'Container whose process namespace the debugging container joins.' },
    { name: 'tty', short: 't', kind: 'bool', usage: 'Give the container a terminal; needs -i to be useful.' },
  ],
  async run(ctx, args) {
    const f = args.flags;
    const [target, ...extra] = args.positionals;
    if (!target || extra.length > 0) throw new UsageError('debugging needs exactly one pod: debug POD --image=IMAGE [-- COMMAND args...]', ctx.path);
    if (target.startsWith('node/') || target.startsWith('nodes/')) throw new CliError('a-kubectl debug adds ephemeral containers to pods; to debug a node use kubectl debug node/NAME');
    const image = f.string('image');
    if (!image) throw new CliError('--image is required: name the image of the debugging container');
    const profile = f.string('profile') || 'legacy';
    if (!PROFILES.includes(profile)) throw new CliError(`unknown profile "${profile}": use one of ${PROFILES.join(', ')}`);
    const pullPolicy = f.string('image-pull-policy');
    if (pullPolicy && !PULL_POLICIES.includes(pullPolicy)) throw new CliError(`invalid image pull policy "${pullPolicy}": use Always, IfNotPresent or Never`);
    const quiet = f.bool('quiet');
    const stdin = f.bool('stdin');
    const tty = f.bool('tty');
    const attach = f.has('attach') ? f.bool('attach') : stdin;

    const { namespace } = await ctx.factory.namespace();
    const pod = await podFor(ctx, target, namespace);
    const podNs = pod.metadata.namespace ?? namespace;
    const podName = pod.metadata.name ?? target;
    const targetName = f.string('target');
    if (targetName && !containerNamesOf(pod).includes(targetName) && !containerNamesOf(pod, 'initContainers').includes(targetName)) {
      throw new CliError(`container "${targetName}" not found in pod ${podName}: --target names one of ${containerNamesOf(pod).join(', ')}`);
    }
    if (targetName && !quiet) ctx.io.stdout.write(`Targeting container "${targetName}". If you don't see processes from this container it may be because the container runtime doesn't support this feature.\n`);
    let name = f.string('container');
    if (!name) {
      name = debuggerName();
      if (!quiet) ctx.io.stdout.write(`Defaulting debug container name to ${name}.\n`);
    }
    const container = ephemeralContainer({ name, image, target: targetName, command: args.afterDash ?? [], argumentsOnly: f.bool('arguments-only'), env: f.list('env'), pullPolicy, stdin, tty, profile });
    const existing = containerNamesOf(pod, 'ephemeralContainers');
    const patch = { spec: { '$setElementOrder/ephemeralContainers': [...existing, name].map((n) => ({ name: n })), ephemeralContainers: [container] } };
    const client = await ctx.factory.client();
    await client.patch(resourcePath({ group: '', version: 'v1', resource: 'pods', namespace: podNs, name: podName, subresource: 'ephemeralcontainers' }), patch, 'strategic', { signal: ctx.factory.signal });
    if (!attach) return;

    const state = await waitForContainer(ctx, podNs, podName, name);
    if (state === 'terminated') {
      if (!quiet) ctx.io.stderr.write(`debug container ${name} has already ended; read its output with: a-kubectl logs ${podName} -c ${name} -n ${podNs}\n`);
      return;
    }
    let useTty = tty;
    if (tty && !(stdin && rawModeOf(ctx.io.stdin).isTTY)) {
      if (!quiet) ctx.io.stderr.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
      useTty = false;
    }
    if (!quiet) ctx.io.stderr.write("If you don't see a command prompt, try pressing enter.\n");
    const code = await runPodSession(ctx, { subresource: 'attach', namespace: podNs, pod: podName, container: name, stdin, tty: useTty });
    if (code !== 0) throw new ExitError(code);
  },
};
