// `a-kube storage migrate|backup|restore`: moving a cluster's objects between backends, and copies of a store.
import { spawnSync } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { lockDataDir } from '../cluster/data-dir.js';
import type { EtcdStorage } from '../storage/etcd/store.js';
import { migrate, TargetNotEmptyError } from '../storage/migrate.js';
import type { SqliteStorage } from '../storage/sqlite.js';
import { openStorageSpec, parseStorageSpec, type StorageSpec } from '../storage/spec.js';

export const storageUsage = `Move a cluster's objects between storage backends, and copy or restore a store.

Usage:
  a-kube storage migrate --from URL --to URL [--force] [etcd options]
      Copy every object from one store to another: the values as stored (UIDs, creation timestamps, all
      fields), written in the order of their old resourceVersions so the new ones keep that order. History
      and deleted objects stay behind. The target must hold no objects, unless --force (then the copied
      keys replace what is there). Stop the cluster that uses the source first: writes made during the
      copy would not be in the target. Prints how many objects of each resource moved.
  a-kube storage backup --storage URL --to FILE [etcd options]
      SQLite: a consistent copy taken with SQLite's online backup API (the cluster may keep running).
      etcd: a snapshot of the whole etcd database (etcd's Maintenance API), the file etcdctl restores.
  a-kube storage restore --from FILE --storage sqlite://PATH [--force]
      Put an SQLite backup in place at PATH (refused while an a-kube holds the data dir PATH is in, and over
      an existing file unless --force, which keeps the old file as PATH.before-restore).
  a-kube storage restore --from FILE --etcd-data-dir DIR [--etcd-name NAME]
      Turn an etcd snapshot into a new data dir for a one-member etcd named NAME (default "default"; runs
      "etcdctl snapshot restore"); start etcd on DIR, then a-kube with --storage etcd://… pointing at it.
      For a cluster of several members, run etcdctl snapshot restore for each member yourself.

URLs are those of --storage: sqlite://PATH, etcd://HOST:PORT[,HOST:PORT…] (memory:// holds nothing to move).

Options:
  --etcd-prefix PREFIX, --etcd-cafile FILE, --etcd-certfile FILE, --etcd-keyfile FILE
                          For an etcd store (as for "a-kube up")
  -h, --help              Show this help

Examples:
  a-kube storage migrate --from sqlite://$HOME/.a-kube/state.db --to etcd://127.0.0.1:2379
  a-kube storage backup --storage sqlite://$HOME/.a-kube/state.db --to /backups/state-$(date +%F).db
  a-kube storage backup --storage etcd://127.0.0.1:2379 --to /backups/etcd.snapshot
`;

function usageError(message: string): Error {
  return new Error(`${message}\nRun 'a-kube storage --help' for usage.`);
}

function withEtcd(spec: StorageSpec, v: Record<string, string | boolean | undefined>): StorageSpec {
  if (spec.kind !== 'etcd') return spec;
  const s = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const tls = {
    ...(s('etcd-cafile') ? { caFile: resolve(s('etcd-cafile') as string) } : {}),
    ...(s('etcd-certfile') ? { certFile: resolve(s('etcd-certfile') as string) } : {}),
    ...(s('etcd-keyfile') ? { keyFile: resolve(s('etcd-keyfile') as string) } : {}),
  };
  return { ...spec, ...(s('etcd-prefix') ? { prefix: s('etcd-prefix') as string } : {}), ...(Object.keys(tls).length > 0 ? { tls } : {}) };
}

function spec(flag: string, value: string | undefined, v: Record<string, string | boolean | undefined>): StorageSpec {
  if (!value) throw usageError(`${flag} is required`);
  const parsed = withEtcd(parseStorageSpec(value), v);
  if (parsed.kind === 'memory') throw usageError(`${flag} memory:// holds nothing outside a running a-kube: use sqlite://PATH or etcd://HOST:PORT`);
  if (parsed.kind === 'sqlite' && parsed.path === undefined) throw usageError(`${flag} sqlite needs the file: sqlite://PATH`);
  return parsed;
}

const say = (line: string): void => {
  process.stderr.write(`a-kube storage: ${line}\n`);
};

export async function storageCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
    process.stdout.write(storageUsage);
    return;
  }
  const { values: v } = parseArgs({
    args: rest,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      storage: { type: 'string' },
      force: { type: 'boolean' },
      'etcd-prefix': { type: 'string' },
      'etcd-cafile': { type: 'string' },
      'etcd-certfile': { type: 'string' },
      'etcd-keyfile': { type: 'string' },
      'etcd-data-dir': { type: 'string' },
      'etcd-name': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (v.help) {
    process.stdout.write(storageUsage);
    return;
  }
  switch (sub) {
    case 'migrate':
      return runMigrate(spec('--from', v.from, v), spec('--to', v.to, v), v.force ?? false);
    case 'backup':
      if (!v.to) throw usageError('--to FILE is required');
      return runBackup(spec('--storage', v.storage, v), resolve(v.to));
    case 'restore':
      if (!v.from) throw usageError('--from FILE is required');
      if (v['etcd-data-dir']) return restoreEtcd(resolve(v.from), resolve(v['etcd-data-dir']), v['etcd-name'] ?? 'default');
      return restoreSqlite(resolve(v.from), spec('--storage', v.storage, v), v.force ?? false);
    default:
      throw usageError(`unknown storage command "${sub}": use migrate, backup or restore`);
  }
}

async function runMigrate(from: StorageSpec, to: StorageSpec, force: boolean): Promise<void> {
  if (JSON.stringify(from) === JSON.stringify(to)) throw usageError('--from and --to name the same store');
  if (from.kind === 'sqlite' && !existsSync(from.path as string)) throw new Error(`--from ${from.path}: no such file`);
  const source = await openStorageSpec(from, '');
  const target = await openStorageSpec(to, '').catch(async (e: unknown) => {
    await source.close();
    throw e;
  });
  try {
    const started = performance.now();
    const report = await migrate(source, target, { force, progress: (done, total) => say(`${done}/${total} objects copied`) });
    const width = Math.max(8, ...[...report.perResource.keys()].map((k) => k.length));
    const lines = [...report.perResource].sort(([a], [b]) => a.localeCompare(b)).map(([resource, n]) => `  ${resource.padEnd(width)}  ${n}`);
    process.stdout.write(
      `migrated ${report.total} object${report.total === 1 ? '' : 's'} (source at revision ${report.sourceRevision}${report.replaced ? `, ${report.replaced} replaced in the target` : ''}) in ${Math.round(performance.now() - started)} ms\n${lines.join('\n')}${lines.length ? '\n' : ''}`,
    );
  } catch (e) {
    if (e instanceof TargetNotEmptyError) throw new Error(e.message);
    throw e;
  } finally {
    await source.close();
    await target.close();
  }
}

async function runBackup(from: StorageSpec, file: string): Promise<void> {
  if (existsSync(file)) throw new Error(`${file} exists already: choose a new file name (a backup never overwrites)`);
  if (from.kind === 'sqlite' && !existsSync(from.path as string)) throw new Error(`--storage ${from.path}: no such file`);
  const store = await openStorageSpec(from, '', { moveEarlierLayout: false });
  const part = `${file}.part`;
  try {
    if (from.kind === 'sqlite') {
      await (store as SqliteStorage).backup(part);
    } else {
      await pipeline(Readable.from((store as EtcdStorage).snapshot()), createWriteStream(part, { mode: 0o600 }));
    }
    renameSync(part, file);
    process.stdout.write(`backup of ${from.kind === 'sqlite' ? from.path : `etcd at ${from.kind === 'etcd' ? from.endpoints.join(',') : ''}`} written to ${file} (${statSync(file).size} bytes)\n`);
  } finally {
    rmSync(part, { force: true });
    await store.close();
  }
}

async function restoreSqlite(file: string, to: StorageSpec, force: boolean): Promise<void> {
  if (to.kind !== 'sqlite') throw usageError('restoring an etcd snapshot makes a new etcd data dir: use --etcd-data-dir DIR');
  const path = to.path as string;
  if (!existsSync(file)) throw new Error(`--from ${file}: no such file`);
  // The backup must be a store a-kube can open (and it is checked before anything is replaced).
  const { openSqliteStorage } = await import('../storage/sqlite.js');
  const check = openSqliteStorage(file);
  const revision = await check.currentRevision().finally(() => check.close());
  // No a-kube may be running on the data dir the file lives in.
  const lock = lockDataDir(dirname(path));
  try {
    if (existsSync(path)) {
      if (!force) throw new Error(`${path} exists: pass --force to replace it (the old file is kept as ${path}.before-restore)`);
      renameSync(path, `${path}.before-restore`);
      for (const side of ['-wal', '-shm']) rmSync(`${path}${side}`, { force: true });
    }
    copyFileSync(file, path);
  } finally {
    lock.release();
  }
  process.stdout.write(`restored ${file} to ${path} (revision ${revision})\n`);
}

function restoreEtcd(file: string, dataDir: string, name: string): void {
  if (!existsSync(file)) throw new Error(`--from ${file}: no such file`);
  if (existsSync(dataDir)) throw new Error(`${dataDir} exists: etcd restores into a new data dir`);
  // One member on its own: the peer URL only matters once other members join (etcdctl member update).
  const peer = 'http://localhost:2380';
  const r = spawnSync('etcdctl', ['snapshot', 'restore', file, `--data-dir=${dataDir}`, `--name=${name}`, `--initial-cluster=${name}=${peer}`, `--initial-advertise-peer-urls=${peer}`], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
  if (r.error) throw new Error(`running etcdctl: ${r.error.message} (Debian: apt-get install etcd-client)`);
  if (r.status !== 0) throw new Error(`etcdctl snapshot restore failed: ${r.stderr.trim() || r.stdout.trim()}`);
  process.stdout.write(`restored ${file} into the etcd data dir ${dataDir}: start etcd with --data-dir=${dataDir} --name=${name}\n`);
}
