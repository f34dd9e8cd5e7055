// Child processes for benchmarks: start one, wait for the stdout line that says it is up, read its resident memory, stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Child {
  pid: number;
  process: ChildProcess;
  /** Monotonic time (ns) just before the spawn. */
  spawnedNs: bigint;
  /** The last lines the child wrote to stderr, for error reports. */
  stderrTail(): string;
  /** How it ended ("exit code 1", "signal SIGKILL"), or undefined while it runs. */
  exitStatus(): string | undefined;
  /** SIGTERM, then SIGKILL if it has not exited after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

const tailBytes = 4096;

export interface StartedChild {
  child: Child;
  /** The first capture group of the awaited line. */
  value: string;
}

/** Spawns cmd and resolves once a stdout line matches `ready` (whose first group is returned). */
export function startChild(cmd: string, args: string[], ready: RegExp, opts: { cwd: string; timeoutMs: number }): Promise<StartedChild> {
  const spawnedNs = process.hrtime.bigint();
  const proc = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString('utf8')).slice(-tailBytes);
  });
  let exitStatus: string | undefined;
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      exitStatus = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    }),
  );
  const child: Child = {
    pid: proc.pid ?? -1,
    process: proc,
    spawnedNs,
    stderrTail: () => stderr,
    exitStatus: () => exitStatus,
    async stop(graceMs = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise<StartedChild>((resolve, reject) => {
    let out = '';
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void child.stop(1000);
      reject(new Error(`${cmd} ${args.join(' ')}: ${why}\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`no ready line after ${opts.timeoutMs} ms`), opts.timeoutMs);
    proc.once('error', (e) => fail(e.message));
    proc.once('exit', (code, signal) => fail(`exited (${signal ?? code}) before it was ready`));
    proc.stdout?.on('data', function onData(c: Buffer) {
      out += c.toString('utf8');
      const m = ready.exec(out);
      if (!m || settled) return;
      settled = true;
      clearTimeout(timer);
      proc.stdout?.off('data', onData);
      proc.stdout?.resume();
      resolve({ child, value: m[1] ?? '' });
    });
  });
}

/** A memory figure of a process in bytes from /proc (Linux): VmRSS is resident now, VmHWM its peak so far. */
export function memoryBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
  if (!m?.[1]) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

/** CPU time a process has used so far (all its threads, user and system), in milliseconds, from /proc (Linux). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after the command name (which may hold spaces, inside parentheses): utime and stime are the 12th and 13th
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

/**
 * CPU time a process's threads have run so far, in nanoseconds, from each thread's schedstat (Linux): exact where
 * /proc/PID/stat counts in 10 ms ticks, so short rounds can be compared. A thread that ended is no longer counted.
 */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return total;
}

/** USER_HZ: 100 on every Linux architecture Node runs on. */
const ticksPerSecond = 100;
