// One interactive session with a pod's container through the API server (pods/exec or pods/attach): the query that
// names the streams, the local terminal in raw mode while a TTY is in use, and the remote exit code.
import { resourcePath } from '../../client/paths.js';
import type { CommandContext } from '../command.js';
import { CliError } from '../errors.js';
import { runRemoteCommand, RemoteCommandError, type TerminalSize } from './remote-command.js';

interface RawModeStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export function rawModeOf(stdin: NodeJS.ReadableStream): RawModeStream {
  return stdin as RawModeStream;
}

/** The terminal's size and resize events, when stdout is a terminal. */
export function terminal(ctx: CommandContext): { size: () => TerminalSize | undefined; onResize: (l: () => void) => () => void } | undefined {
  if (!ctx.io.stdoutIsTTY || ctx.io.stdout !== process.stdout) return undefined;
  return {
    size: () => (process.stdout.columns && process.stdout.rows ? { width: process.stdout.columns, height: process.stdout.rows } : undefined),
    onResize: (listener) => {
      process.stdout.on('resize', listener);
      return () => process.stdout.off('resize', listener);
    },
  };
}

export interface PodSession {
  subresource: 'exec' | 'attach';
  namespace: string;
  pod: string;
  container: string;
  /** exec only: the command and its arguments. */
  command?: string[];
  stdin: boolean;
  tty: boolean;
}

/** Runs the session to its end and answers the remote process's exit code. */
export async function runPodSession(ctx: CommandContext, s: PodSession): Promise<number> {
  const query = new URLSearchParams();
  for (const word of s.command ?? []) query.append('command', word);
  query.set('container', s.container);
  if (s.stdin) query.set('stdin', 'true');
  query.set('stdout', 'true');
  // with a TTY, stderr is merged into stdout by the terminal
  if (s.tty) query.set('tty', 'true');
  else query.set('stderr', 'true');

  const client = await ctx.factory.client();
  const raw = rawModeOf(ctx.io.stdin);
  const term = s.tty ? terminal(ctx) : undefined;
  if (s.tty) raw.setRawMode?.(true);
  try {
    return await runRemoteCommand({
      config: client.config,
      path: resourcePath({ group: '', version: 'v1', resource: 'pods', namespace: s.namespace, name: s.pod, subresource: s.subresource }),
      query,
      ...(s.stdin ? { stdin: ctx.io.stdin } : {}),
      stdout: ctx.io.stdout,
      stderr: ctx.io.stderr,
      ...(term ? { size: term.size, onResize: term.onResize } : {}),
      signal: ctx.factory.signal,
    });
  } catch (e) {
    if (e instanceof RemoteCommandError) throw new CliError(e.message);
    throw e;
  } finally {
    if (s.tty) raw.setRawMode?.(false);
  }
}
