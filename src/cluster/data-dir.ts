// The data directory of `a-kube up`: one server at a time, private file modes, and no silent fresh start when the
// database of an existing cluster is missing.
import { chmodSync, closeSync, existsSync, linkSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const lockFileName = 'a-kube.lock';
const databaseFiles = ['state.db', 'state.db-wal', 'state.db-shm'];

export class DataDirError extends Error {
  override readonly name = 'DataDirError';
}

export interface DataDirLock {
  readonly path: string;
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

interface Holder {
  pid: number;
  ticks?: string;
}

function parseHolder(text: string): Holder | undefined {
  const [pid, ticks] = text.trim().split(/\s+/);
  const n = Number(pid);
  if (!Number.isSafeInteger(n) || n <= 0) return undefined;
  return { pid: n, ...(ticks ? { ticks } : {}) };
}

/** Is the process that wrote the lock still running (and not a later process that got its pid)? */
function running(h: Holder): boolean {
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (h.ticks === undefined) return true;
  const now = startTicks(h.pid);
  return now === undefined || now === h.ticks;
}

/**
 * Takes the data directory for this process: DIR/a-kube.lock names our pid (and start time). A lock whose process
 * is gone is stale and taken over; a live one refuses. The lock is removed on release() and at process exit.
 */
export function lockDataDir(dir: string): DataDirLock {
  const path = join(dir, lockFileName);
  const ticks = startTicks(process.pid);
  const mine = `${process.pid}${ticks ? ` ${ticks}` : ''}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    // Written beside the lock, then linked to its name: the lock appears whole or not at all.
    const tmp = `${path}.${process.pid}`;
    writeFileSync(tmp, mine, { mode: 0o600 });
    try {
      linkSync(tmp, path);
      unlinkSync(tmp);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        try {
          if (readFileSync(path, 'utf8') === mine) unlinkSync(path);
        } catch {
          // already gone
        }
      };
      process.on('exit', release);
      return { path, release };
    } catch (e) {
      unlinkSync(tmp);
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // released meanwhile
    }
    const holder = parseHolder(text);
    if (holder && running(holder)) {
      throw new DataDirError(`the data directory ${dir} is in use by another a-kube (pid ${holder.pid}); stop it first, or give this one another --data-dir`);
    }
    // Stale: move it aside (only one of several racing processes succeeds), then try again.
    const aside = `${path}.stale.${process.pid}`;
    try {
      renameSync(path, aside);
      unlinkSync(aside);
    } catch {
      // another process took it first
    }
  }
  throw new DataDirError(`could not take the lock ${path}`);
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
export function takeDataDir(dir: string, opts: { sqlite: boolean; resetState: boolean; say?: (line: string) => void }): DataDirLock {
  const lock = lockDataDir(dir);
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
