// `cp <file-spec-src> <file-spec-dest>`: files into and out of a container as a tar stream over exec, as kubectl does
// (`tar xmf -` in the container reading what a local tar writes, or `tar cf -` in the container read by a local tar).
// Needs `tar` locally and in the container.
import { spawn } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, statSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { PassThrough } from 'node:stream';
import { resourcePath } from '../../client/paths.js';
import { containerFlag } from '../flag-sets.js';
import type { Command, CommandContext } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { runRemoteCommand, RemoteCommandError } from '../streaming/remote-command.js';
import { chooseContainer, podFor } from './pod-for.js';

interface FileSpec {
  pod?: string;
  namespace?: string;
  path: string;
}

/** `[[namespace/]pod:]path`, as kubectl reads it. */
export function parseFileSpec(arg: string): FileSpec {
  const i = arg.indexOf(':');
  if (i <= 0) return { path: arg };
  const left = arg.slice(0, i);
  const path = arg.slice(i + 1);
  const slash = left.indexOf('/');
  if (slash < 0) return { pod: left, path };
  return { namespace: left.slice(0, slash), pod: left.slice(slash + 1), path };
}

async function remote(ctx: CommandContext, pod: { name: string; namespace: string; container: string }, command: string[], io: { stdin?: NodeJS.ReadableStream; stdout?: (b: Buffer) => void }): Promise<number> {
  const client = await ctx.factory.client();
  const query = new URLSearchParams();
  for (const w of command) query.append('command', w);
  query.set('container', pod.container);
  if (io.stdin) query.set('stdin', 'true');
  query.set('stdout', 'true');
  query.set('stderr', 'true');
  try {
    return await runRemoteCommand({
      config: client.config,
      path: resourcePath({ group: '', version: 'v1', resource: 'pods', namespace: pod.namespace, name: pod.name, subresource: 'exec' }),
      query,
      ...(io.stdin ? { stdin: io.stdin } : {}),
      stdout: ctx.io.stdout,
      ...(io.stdout ? { stdoutBytes: io.stdout } : {}),
      stderr: ctx.io.stderr,
      signal: ctx.factory.signal,
    });
  } catch (e) {
    if (e instanceof RemoteCommandError) throw new CliError(e.message);
    throw e;
  }
}

/** A local tar that writes (`cf -`) or reads (`xf -`) the archive. */
function localTar(args: string[], direction: 'writes' | 'reads'): ReturnType<typeof spawn> {
  return spawn('tar', args, { stdio: direction === 'writes' ? ['ignore', 'pipe', 'inherit'] : ['pipe', 'ignore', 'inherit'] });
}

function exited(child: ReturnType<typeof spawn>): Promise<number> {
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new CliError(`tar: ${e.message}`)));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

export const command: Command = {
  name: 'cp',
  short: 'Copy files and folders between this machine and a container',
  long: 'Copy files and folders between this machine and a container (needs tar in the container).',
  examples: [
    '  # Put a local folder into pod app-0',
    '  a-kubectl cp ./fixtures app-0:/srv/fixtures',
    '  ',
    '  # Fetch a file from the "worker" container of pod app-0 in namespace jobs',
    '  a-kubectl cp jobs/app-0:/var/log/run.log ./run.log -c worker',
  ].join('\n'),
  usage: 'cp <file-spec-src> <file-spec-dest> [options]',
  flags: [
    containerFlag,
    { name: 'no-preserve', kind: 'bool', usage: 'Do not carry owner and mode bits over to the copy' },
  ],
  async run(ctx, args) {
    const [srcArg, destArg, ...extra] = args.positionals;
    if (!srcArg || !destArg || extra.length > 0) throw new UsageError('source and destination are required', ctx.path);
    const src = parseFileSpec(srcArg);
    const dest = parseFileSpec(destArg);
    if (src.pod && dest.pod) throw new CliError('one of src or dest must be a local file specification');
    if (!src.pod && !dest.pod) throw new CliError('one of src or dest must be a remote file specification');
    const remoteSpec = (src.pod ? src : dest) as Required<Pick<FileSpec, 'pod'>> & FileSpec;
    if (remoteSpec.path === '') throw new CliError('filepath can not be empty');
    const { namespace: defaultNamespace } = await ctx.factory.namespace();
    const namespace = remoteSpec.namespace ?? defaultNamespace;
    const pod = await podFor(ctx, remoteSpec.pod, namespace);
    const container = chooseContainer(pod, args.flags.string('container'));
    if (container.notice) ctx.io.stderr.write(container.notice);
    const target = { name: pod.metadata.name ?? remoteSpec.pod, namespace, container: container.name };

    if (dest.pod) {
      // local → container: a local tar whose single top entry is named as the destination
      try {
        statSync(src.path);
      } catch {
        throw new CliError(`${src.path} doesn't exist in local filesystem`);
      }
      let destPath = dest.path;
      const isDir = (await remote(ctx, target, ['test', '-d', destPath], {})) === 0;
      if (isDir || destPath.endsWith('/')) destPath = posix.join(destPath, basename(src.path));
      const name = posix.basename(destPath);
      const destDir = posix.dirname(destPath);
      const noPreserve = args.flags.bool('no-preserve');
      const tar = localTar(['cf', '-', '-C', dirname(src.path), `--transform=s|^${basename(src.path).replace(/[|\\&]/g, '\\$&')}|${name.replace(/[|\\&]/g, '\\$&')}|`, basename(src.path)], 'writes');
      const done = exited(tar);
      // read from the start (into a buffer that applies back-pressure): the remote end is not open yet
      const archive = tar.stdout!.pipe(new PassThrough());
      const cmd = noPreserve ? ['tar', '--no-same-permissions', '--no-same-owner', '-xmf', '-'] : ['tar', '-xmf', '-'];
      const code = await remote(ctx, target, [...cmd, '-C', destDir], { stdin: archive });
      if ((await done) !== 0) throw new CliError('tar failed to read the local files');
      if (code !== 0) throw new CliError(`command terminated with exit code ${code}`);
      return;
    }

    // container → local: the container's tar read by a local tar in a scratch directory, then moved into place
    const scratch = mkdtempSync(join(tmpdir(), 'a-kubectl-cp-'));
    try {
      const tar = localTar(['xf', '-', '-C', scratch, '--no-same-owner'], 'reads');
      const done = exited(tar);
      const code = await remote(ctx, target, ['tar', 'cf', '-', src.path], { stdout: (b) => tar.stdin!.write(b) });
      tar.stdin!.end();
      if ((await done) !== 0 || code !== 0) throw new CliError(`${src.path}: could not copy out of the container`);
      const extracted = join(scratch, src.path.replace(/^\/+/, ''));
      let destPath = dest.path;
      try {
        if (statSync(destPath).isDirectory()) destPath = join(destPath, basename(src.path));
      } catch {
        // a new name
      }
      try {
        renameSync(extracted, destPath);
      } catch {
        cpSync(extracted, destPath, { recursive: true });
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  },
};
