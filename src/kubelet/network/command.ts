// Running the host's networking tools (ip, iptables-restore, sysctl files): one promise per command,
// stdin fed from a string, and a failure that carries the tool's own words.
import { spawn } from 'node:child_process';

export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly stdout = '',
  ) {
    super(`${command}: ${stderr.trim() || stdout.trim() || `exit code ${String(exitCode)}`}`);
  }
}

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export type Runner = (file: string, args: readonly string[], input?: string) => Promise<CommandResult>;

/** Runs a program (no shell), resolving with its output when it exits 0. */
export const runCommand: Runner = (file, args, input) =>
  new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => reject(new CommandError(`${file} ${args.join(' ')}`, null, e.message)));
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (code === 0) resolve({ stdout, stderr });
      else reject(new CommandError(`${file} ${args.slice(0, 4).join(' ')}`, code, stderr, stdout));
    });
    child.stdin.on('error', () => {}); // a tool that exits without reading stdin reports through its exit code
    child.stdin.end(input ?? '');
  });
