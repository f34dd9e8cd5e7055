// The data directory of `a-kube up` and `a-kube server`: one server at a time (or several API servers on one
// etcd), private file modes, and no silent fresh start when the database of an existing cluster is missing.
import { chmodSync, closeSync, existsSync, linkSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../process/alive.js';

export const lockFileName = 'a-kube.lock';
const databaseFiles = ['state.db', 'state.db-wal', 'state.db-shm'];

export class DataDirError extends Error {
  override readonly name = 'DataDirError';
}

export interface DataDirLock {
  readonly path: string;
  /** Other processes (API servers on the same etcd) held the data dir when we took it. */
  readonly joined: boolean;
  release(): void;
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), when the system tells. */
function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces: count fields after its closing paren
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

/** One process holding the data dir: exclusive, or shared by API servers on the same etcd (`key`). */
interface Holder {
  pid: number;
  ticks?: string;
  shared?: string;
}

function parseHolder(line: string): Holder | undefined {
  const [pid, ticks, mode, key] = line.trim().split(/\s+/);
  const n = Number(pid);
  if (!Number.isSafeInteger(n) || n <= 0) return undefined;
  const shared = mode === 'shared' && key ? decodeURIComponent(key) : undefined;
  return { pid: n, ...(ticks ? { ticks } : {}), ...(shared !== undefined ? { shared } : {}) };
}

function formatHolder(h: Holder): string {
  return `${h.pid}${h.ticks ? ` ${h.ticks}` : ''}${h.shared !== undefined ? ` shared ${encodeURIComponent(h.shared)}` : ''}\n`;
}

/** Is the process that wrote the lock still running (and not a later process that got its pid)? */
function running(h: Holder): boolean {
  if (!processAlive(h.pid)) return false;
  if (h.ticks === undefined) return true;
  const now = startTicks(h.pid);
  return now === undefined || now === h.ticks;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `fn` while holding DIR/a-kube.lock.mutex, a file created whole by a hard link: the lock file's readers and
 * writers take turns. A mutex left by a process that is gone is taken over; a live one is waited for (a few seconds).
 */
function withMutex<T>(path: string, mine: Holder, fn: () => T): T {
  const mutex = `${path}.mutex`;
  const tmp = `${mutex}.${process.pid}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    writeFileSync(tmp, formatHolder(mine), { mode: 0o600 });
    try {
      linkSync(tmp, mutex);
      unlinkSync(tmp);
      break;
    } catch (e) {
      unlinkSync(tmp);
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder: Holder | undefined;
    try {
      holder = parseHolder(readFileSync(mutex, 'utf8'));
    } catch {
      continue; // released meanwhile
    }
    if (!holder || !running(holder)) {
      const aside = `${mutex}.stale.${process.pid}`;
      try {
        renameSync(mutex, aside);
        unlinkSync(aside);
      } catch {
        // another process took it first
      }
      continue;
    }
    if (Date.now() > deadline) throw new DataDirError(`could not take the lock ${path}: ${mutex} is held by pid ${holder.pid}`);
    Atomics.wait(pause, 0, 0, 20);
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(mutex);
    } catch {
      // already gone
    }
  }
}

/** Runs `fn` while holding PATH.mutex (see withMutex): one process at a time reads and rewrites PATH. */
export function withFileMutex<T>(path: string, fn: () => T): T {
  const ticks = startTicks(process.pid);
  return withMutex(path, { pid: process.pid, ...(ticks ? { ticks } : {}) }, fn);
}

function readHolders(path: string): Holder[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').map(parseHolder).filter((h): h is Holder => h !== undefined);
}

function writeHolders(path: string, holders: Holder[]): void {
  if (holders.length === 0) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
    return;
  }
  // Written beside the lock, then renamed over it: readers see the old list or the new one, never half of one.
  const tmp = `${path}.${process.pid}`;
  writeFileSync(tmp, holders.map(formatHolder).join(''), { mode: 0o600 });
  renameSync(tmp, path);
}

export interface LockOptions {
  /**
   * Share the data dir with other processes that give the same key (API servers on one etcd: its endpoints and
   * prefix); without it the lock is exclusive.
   */
  shared?: string;
  /** Added to the refusal when another process holds the data dir. */
  refusalHint?: string;
}

/**
 * Takes the data directory for this process: DIR/a-kube.lock lists the pid (and start time) of each holder. One
 * holder has it alone, or several share it with the same key; holders that are gone are dropped. A live holder
 * that cannot share refuses. Our line is removed on release() and at process exit.
 */
export function lockDataDir(dir: string, opts: LockOptions = {}): DataDirLock {
  const path = join(dir, lockFileName);
  const ticks = startTicks(process.pid);
  const mine: Holder = { pid: process.pid, ...(ticks ? { ticks } : {}), ...(opts.shared !== undefined ? { shared: opts.shared } : {}) };
  const same = (h: Holder) => h.pid === mine.pid && h.ticks === mine.ticks;
  const joined = withMutex(path, mine, () => {
    const live = readHolders(path).filter(running);
    const other = live.find((h) => opts.shared === undefined || h.shared !== opts.shared);
    if (other) {
      const why =
        opts.shared !== undefined && other.shared !== undefined
          ? `the data directory ${dir} is in use by an a-kube API server (pid ${other.pid}) on other storage (${other.shared}); API servers that share a data dir must share one etcd (the same --storage and --etcd-prefix)`
          : `the data directory ${dir} is in use by another a-kube (pid ${other.pid}); stop it first, or give this one another --data-dir`;
      throw new DataDirError(opts.refusalHint ? `${why}. ${opts.refusalHint}` : why);
    }
    writeHolders(path, [...live, mine]);
    return live.length > 0;
  });
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      withMutex(path, mine, () => {
        const holders = readHolders(path).filter(running);
        const i = holders.findIndex((h) => same(h) && h.shared === mine.shared);
        if (i >= 0) holders.splice(i, 1);
        writeHolders(path, holders);
      });
    } catch {
      // the next holder drops our line: we are gone
    }
  };
  process.on('exit', release);
  return { path, joined, release };
}

/**
 * A data dir that holds a cluster's CA but no database lost its state: starting would silently begin an empty
 * cluster under the old identity. Refused unless resetState; then an existing database is moved aside first.
 */
export function checkDatabase(dir: string, opts: { resetState: boolean; now?: () => Date }): { movedAside?: string } {
  const db = join(dir, 'state.db');
  if (opts.resetState) {
    if (!existsSync(db)) return {};
    const stamp = (opts.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-');
    const aside = `${db}.reset-${stamp}`;
    for (const f of databaseFiles) {
      const p = join(dir, f);
      if (existsSync(p)) renameSync(p, p.replace('state.db', `state.db.reset-${stamp}`));
    }
    return { movedAside: aside };
  }
  if (existsSync(join(dir, 'pki', 'ca.crt')) && !existsSync(db)) {
    throw new DataDirError(
      `the data directory ${dir} holds a cluster's certificates (pki/) but no database (state.db): the cluster's state is missing. ` +
        'Restore state.db, or start with --reset-state to begin with an empty database under the same certificates',
    );
  }
  return {};
}

/** Locks the data dir and checks its database; the lock is released again if the check refuses. */
export function takeDataDir(dir: string, opts: { sqlite: boolean; resetState: boolean; say?: (line: string) => void } & LockOptions): DataDirLock {
  const lock = lockDataDir(dir, { ...(opts.shared !== undefined ? { shared: opts.shared } : {}), ...(opts.refusalHint ? { refusalHint: opts.refusalHint } : {}) });
  try {
    if (opts.sqlite) {
      const { movedAside } = checkDatabase(dir, { resetState: opts.resetState });
      if (movedAside) opts.say?.(`--reset-state: the previous database was moved to ${movedAside}`);
    }
    return lock;
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** Creates the database file owner-only before SQLite opens it (its -wal and -shm files copy its mode). */
export function createPrivateFile(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
}

/**
 * Owner-only modes: 0700 on the data dir and pki/, 0600 on the files directly in them (database, keys, certificates,
 * kubeconfigs, identity). Other subdirectories belong to their components and keep their own modes.
 */
export function securePermissions(dir: string): void {
  chmodSync(dir, 0o700);
  for (const d of [dir, join(dir, 'pki')]) {
    if (!existsSync(d)) continue;
    chmodSync(d, 0o700);
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      try {
        if (statSync(p).isFile()) chmodSync(p, 0o600);
      } catch {
        // gone meanwhile (a temporary file renamed into place)
      }
    }
  }
}
