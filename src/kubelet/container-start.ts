// Starting one container of a pod: the image by its pull policy (Pulling/Pulled events, ErrImagePull), the
// container config, CreateContainer and StartContainer (Created/Started events).
import type { KubeObject } from '../api/object.js';
import { arr, rec, specOf, str } from '../api/pod-util.js';
import type { ControllerClient, EventRecorder } from '../client/control/types.js';
import { containerEnv, containerMounts, ContainerConfigError, expandVars, linuxContainerConfig, readOnlyVolumes, type EnvContext } from './container-config.js';
import { containerLogRelPath } from './log-paths.js';
import { runProbe } from './prober.js';
import { credentialsFor, podPullSecrets } from './pull-secrets.js';
import type { PodSandboxConfig, RuntimeService } from './runtime/types.js';

/** Why a container could not start, as the waiting reason the kubelet reports. */
export class StartError extends Error {
  override name = 'StartError';
  constructor(
    readonly reason: 'ErrImagePull' | 'ErrImageNeverPull' | 'CreateContainerConfigError' | 'CreateContainerError' | 'RunContainerError',
    message: string,
  ) {
    super(message);
  }
}

export interface StartContext {
  client: ControllerClient;
  runtime: RuntimeService;
  recorder: EventRecorder;
  pod: KubeObject;
  sandboxId: string;
  sandboxConfig: PodSandboxConfig;
  /** Set for a real node: volumes, env from the API, resources. Absent for the simulated runtime. */
  /** env: what the environment is built from, fetched only when a container is about to start. */
  real?: { volumes: Map<string, string>; env: () => Promise<EnvContext>; podIP: string; hostsFile?: string };
  now: () => number;
}

export interface ContainerSpecView {
  name: string;
  image: string;
  spec: Record<string, unknown>;
}

function pullPolicy(c: ContainerSpecView): string {
  const p = str(c.spec['imagePullPolicy']);
  if (p) return p;
  const tag = c.image.includes('@') ? 'digest' : (c.image.slice(c.image.lastIndexOf('/') + 1).split(':')[1] ?? 'latest');
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Whether a pull failed before any registry answered (no route, no DNS, refused or timed-out connection). */
export function registryUnreachable(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  return /\bdial tcp\b|no such host|connection refused|network is unreachable|no route to host|i\/o timeout|TLS handshake timeout|server misbehaving/.test(msg);
}

/** Error texts joined as the kubelet's aggregate error joins them: one as it is, several distinct ones in brackets. */
function aggregateMessage(errors: unknown[]): string {
  const texts = [...new Set(errors.map((e) => (e instanceof Error ? e.message : String(e))))];
  return texts.length === 1 ? (texts[0] as string) : `[${texts.join(', ')}]`;
}

/**
 * Pulls the image with each credential the pod's pull secrets hold for it in turn until one pull succeeds (none:
 * one pull without). Credentials go without a server address, as the kubelet sends them: the keyring already
 * matched them to the image (and containerd 1.6 cannot parse a scheme-less host:port there).
 */
async function pullWithCredentials(ctx: StartContext, image: string): Promise<void> {
  const credentials = credentialsFor(await podPullSecrets(ctx.client, ctx.recorder, ctx.pod), image);
  if (credentials.length === 0) {
    await ctx.runtime.pullImage(image);
    return;
  }
  const errors: unknown[] = [];
  for (const cred of credentials) {
    try {
      await ctx.runtime.pullImage(image, { username: cred.username, password: cred.password });
      return;
    } catch (e) {
      errors.push(e);
    }
  }
  throw new Error(aggregateMessage(errors), { cause: errors[0] });
}

async function ensureImage(ctx: StartContext, c: ContainerSpecView): Promise<void> {
  const policy = pullPolicy(c);
  if (ctx.runtime.simulated) {
    ctx.recorder.event(ctx.pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
    return;
  }
  const present = policy !== 'Always' ? await ctx.runtime.imageStatus(c.image) : undefined;
  if (present) {
    ctx.recorder.event(ctx.pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
    return;
  }
  if (policy === 'Never') {
    const msg = `Container image "${c.image}" is not present with pull policy of Never`;
    ctx.recorder.event(ctx.pod, 'Warning', 'ErrImageNeverPull', msg);
    throw new StartError('ErrImageNeverPull', msg);
  }
  ctx.recorder.event(ctx.pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`);
  const started = ctx.now();
  try {
    await pullWithCredentials(ctx, c.image);
  } catch (e) {
    // An image that is present but whose registry cannot be reached (offline, imported archives) is used as it
    // is. A registry that answers and refuses (401, 403, unknown manifest) is final: policy Always is what keeps
    // a pod without credentials from running a private image another pod brought onto the node.
    if (policy === 'Always' && registryUnreachable(e) && (await ctx.runtime.imageStatus(c.image).catch(() => undefined))) {
      ctx.recorder.event(ctx.pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
      return;
    }
    const msg = `Failed to pull image "${c.image}": ${e instanceof Error ? e.message : String(e)}`;
    ctx.recorder.event(ctx.pod, 'Warning', 'Failed', msg);
    throw new StartError('ErrImagePull', msg);
  }
  const secs = ((ctx.now() - started) / 1000).toFixed(3);
  ctx.recorder.event(ctx.pod, 'Normal', 'Pulled', `Successfully pulled image "${c.image}" in ${secs}s`);
}

/** The spec's requests (falling back to limits, as defaulting does) for the simulated runtime's pretend usage. */
function simulatedRequests(spec: Record<string, unknown>): { cpu?: string; memory?: string } {
  const res = rec(spec['resources']);
  const pick = (name: string): string | undefined => {
    const v = rec(res['requests'])[name] ?? rec(res['limits'])[name];
    return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  };
  const cpu = pick('cpu');
  const memory = pick('memory');
  return { ...(cpu !== undefined ? { cpu } : {}), ...(memory !== undefined ? { memory } : {}) };
}

/** Pulls, creates and starts the container; returns its runtime id. */
export async function startContainer(ctx: StartContext, c: ContainerSpecView, restartCount: number, opts: { pidTargetId?: string } = {}): Promise<string> {
  await ensureImage(ctx, c);
  let command = (c.spec['command'] as string[] | undefined) ?? [];
  let args = (c.spec['args'] as string[] | undefined) ?? [];
  let env: { key: string; value: string }[];
  let mounts;
  try {
    if (ctx.real) {
      env = await containerEnv(await ctx.real.env(), c.spec);
      const vars = new Map(env.map((e) => [e.key, e.value]));
      command = command.map((s) => expandVars(String(s), vars));
      args = args.map((s) => expandVars(String(s), vars));
      mounts = containerMounts(c.spec, ctx.real.volumes, { readOnlyVolumes: readOnlyVolumes(ctx.pod), createSubPaths: true });
      if (ctx.real.hostsFile && !mounts.some((m) => m.containerPath === '/etc/hosts')) mounts.push({ containerPath: '/etc/hosts', hostPath: ctx.real.hostsFile });
    } else {
      env = arr(c.spec['env'])
        .filter((e) => typeof e['value'] === 'string')
        .map((e) => ({ key: str(e['name']), value: str(e['value']) }));
    }
  } catch (e) {
    const msg = `Error: ${e instanceof Error ? e.message : String(e)}`;
    ctx.recorder.event(ctx.pod, 'Warning', 'Failed', msg);
    throw new StartError('CreateContainerConfigError', e instanceof ContainerConfigError ? e.message : msg);
  }
  const pod = ctx.pod;
  let id: string;
  try {
    id = await ctx.runtime.createContainer(
      ctx.sandboxId,
      {
        name: c.name,
        image: c.image,
        command,
        args,
        env,
        ...(str(c.spec['workingDir']) ? { workingDir: str(c.spec['workingDir']) } : {}),
        attempt: restartCount,
        labels: { 'io.kubernetes.container.name': c.name, 'io.kubernetes.pod.name': pod.metadata.name ?? '', 'io.kubernetes.pod.namespace': pod.metadata.namespace ?? '', 'io.kubernetes.pod.uid': pod.metadata.uid ?? '' },
        annotations: {
          ...(pod.metadata.annotations ?? {}),
          'io.kubernetes.container.restartCount': String(restartCount),
          'io.kubernetes.container.terminationMessagePath': str(c.spec['terminationMessagePath'], '/dev/termination-log'),
          'io.kubernetes.pod.terminationGracePeriod': String(specOf(pod)['terminationGracePeriodSeconds'] ?? 30),
        },
        tty: c.spec['tty'] === true,
        stdin: c.spec['stdin'] === true,
        stdinOnce: c.spec['stdinOnce'] === true,
        ...(mounts ? { mounts } : {}),
        ...(ctx.real ? { logPath: containerLogRelPath(c.name, restartCount), linux: linuxContainerConfig(pod, c.spec, opts.pidTargetId) } : {}),
        ...(ctx.runtime.simulated ? { requests: simulatedRequests(c.spec) } : {}),
      },
      ctx.sandboxConfig,
    );
  } catch (e) {
    const msg = `Error: ${e instanceof Error ? e.message : String(e)}`;
    ctx.recorder.event(ctx.pod, 'Warning', 'Failed', msg);
    throw new StartError('CreateContainerError', msg);
  }
  ctx.recorder.event(pod, 'Normal', 'Created', `Created container ${c.name}`);
  try {
    await ctx.runtime.startContainer(id);
  } catch (e) {
    const msg = `Error: ${e instanceof Error ? e.message : String(e)}`;
    ctx.recorder.event(ctx.pod, 'Warning', 'Failed', msg);
    await ctx.runtime.removeContainer(id).catch(() => undefined);
    throw new StartError('RunContainerError', msg);
  }
  ctx.recorder.event(pod, 'Normal', 'Started', `Started container ${c.name}`);
  const postStart = rec(rec(c.spec['lifecycle'])['postStart']);
  if (ctx.real && (postStart['exec'] !== undefined || postStart['httpGet'] !== undefined)) {
    // The hook runs once the container has started; a failure kills the container (restarted by its policy).
    const r = await runProbe({ ...postStart, timeoutSeconds: Number(specOf(pod)['terminationGracePeriodSeconds'] ?? 30) || 30 }, { runtime: ctx.runtime, containerId: id, podIP: ctx.real.podIP, container: c.spec });
    if (!r.ok) {
      const what = postStart['exec'] !== undefined ? `Exec lifecycle hook (${JSON.stringify(rec(postStart['exec'])['command'] ?? [])})` : `HTTP lifecycle hook (${str(rec(postStart['httpGet'])['path'], '/')})`;
      ctx.recorder.event(pod, 'Warning', 'FailedPostStartHook', `${what} for Container "${c.name}" in Pod "${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})" failed - error: ${r.output.trim()}`);
      ctx.recorder.event(pod, 'Normal', 'Killing', `FailedPostStartHook`);
      await ctx.runtime.stopContainer(id, 0).catch(() => undefined);
    }
  }
  return id;
}
