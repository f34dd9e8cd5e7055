// Raises this process's open-file limit before anything opens sockets. Node already lifts the soft limit to the
// hard one; a root process may lift the hard limit too (up to fs.nr_open), which a machine's default of a few
// thousand otherwise caps: every watch, HTTP/2 connection, SQLite file and container stream holds a descriptor.
// util-linux's prlimit changes a running process's limits; without it, or without the right, the limit stays
// and a-kube says how to raise it when it is low.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Enough for thousands of watches and connections; more is not needed. */
const wanted = 1_048_576;
/** At or above this the limit is left alone (no prlimit run at start). */
const ample = 65_536;
/** Below this a-kube warns at start. */
const comfortable = 8192;

export interface FileLimit {
  soft: number;
  hard: number;
}

/** The current limits from /proc/self/limits ("unlimited" reads as Infinity); undefined where /proc is not Linux's. */
export function readFileLimit(limitsText?: string): FileLimit | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const m = line && /^Max open files\s+(\S+)\s+(\S+)/.exec(line);
  if (!m) return undefined;
  const num = (s: string | undefined): number => (s === 'unlimited' ? Infinity : Number(s));
  return { soft: num(m[1]), hard: num(m[2]) };
}

function systemCeiling(): number {
  try {
    return Math.min(wanted, Number(readFileSync('/proc/sys/fs/nr_open', 'utf8').trim()) || wanted);
  } catch {
    return wanted;
  }
}

/** Whether to run prlimit at all: not when the limit is already ample or at the system's ceiling. */
export function worthRaising(limit: FileLimit, ceiling: number): boolean {
  return limit.soft < Math.min(ample, ceiling);
}

/** Lifts soft and hard limits as far as allowed; returns a line to print when the result is still low. */
export function raiseOpenFileLimit(): string | undefined {
  const before = readFileLimit();
  if (!before) return undefined;
  const target = systemCeiling();
  if (worthRaising(before, target) && process.getuid?.() === 0) {
    const hard = Math.max(target, before.hard === Infinity ? target : before.hard);
    try {
      execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${target}:${hard}`], { stdio: 'ignore', timeout: 5000 });
    } catch {
      // prlimit missing or refused: keep the limit and report it below.
    }
  }
  const after = readFileLimit() ?? before;
  if (after.soft >= comfortable) return undefined;
  const how = process.getuid?.() === 0
    ? `this process may not raise its hard limit (${after.hard}); raise it where a-kube is started ("ulimit -Hn 65536", LimitNOFILE= in a service unit, or grant CAP_SYS_RESOURCE)`
    : 'raise it with "ulimit -n 65536" before starting a-kube, or start a-kube as root, which raises it itself';
  return `a-kube: the open-file limit is ${after.soft}, low for a busy cluster (each watch, connection and container stream holds a descriptor): ${how}.`;
}
