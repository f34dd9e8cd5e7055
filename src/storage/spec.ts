// The --storage value: which backend holds the cluster's objects, and how to open it.
//   sqlite://PATH              an SQLite file (relative paths from the working directory); plain "sqlite" or
//                              "sqlite://" is the data dir's state.db
//   memory://                  in this process only, lost on exit ("memory" too)
//   etcd://HOST:PORT[,HOST:PORT…]  an etcd v3 cluster; requests go to one member and move on when it fails
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Storage } from './types.js';

export interface EtcdSpecTls {
  /** Paths of the PEM files (--etcd-cafile, --etcd-certfile, --etcd-keyfile). */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export type StorageSpec =
  | { kind: 'memory' }
  /** path undefined: the data dir's state.db */
  | { kind: 'sqlite'; path?: string }
  | { kind: 'etcd'; endpoints: string[]; prefix?: string; tls?: EtcdSpecTls };

export class StorageSpecError extends Error {
  override name = 'StorageSpecError';
}

const hostPort = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** Parses --storage; throws StorageSpecError with what to write instead. */
export function parseStorageSpec(value: string): StorageSpec {
  if (value === 'memory' || value === 'memory://') return { kind: 'memory' };
  if (value === 'sqlite' || value === 'sqlite://') return { kind: 'sqlite' };
  if (value.startsWith('sqlite://')) return { kind: 'sqlite', path: resolve(value.slice('sqlite://'.length)) };
  if (value.startsWith('etcd://')) {
    const list = value.slice('etcd://'.length);
    const endpoints = list.split(',').map((e) => e.trim().replace(/^etcd:\/\//, '').replace(/\/+$/, ''));
    for (const e of endpoints) {
      const m = hostPort.exec(e);
      const port = Number(m?.[2]);
      if (!m || port < 1 || port > 65535) {
        throw new StorageSpecError(`invalid etcd endpoint "${e}" in --storage ${value}: use etcd://HOST:PORT[,HOST:PORT…], e.g. etcd://127.0.0.1:2379`);
      }
    }
    return { kind: 'etcd', endpoints };
  }
  throw new StorageSpecError(`invalid --storage "${value}": use sqlite://PATH, memory:// or etcd://HOST:PORT[,HOST:PORT…]`);
}

/** How a spec reads in logs ("etcd at 127.0.0.1:2379 (prefix /registry)"). */
export function describeStorageSpec(spec: StorageSpec, defaultSqlitePath: string): string {
  if (spec.kind === 'memory') return 'in memory (lost on exit)';
  if (spec.kind === 'sqlite') return `SQLite ${spec.path ?? defaultSqlitePath}`;
  return `etcd at ${spec.endpoints.join(', ')} (key prefix ${spec.prefix ?? '/registry'}${spec.tls?.certFile ? ', client certificate' : spec.tls?.caFile ? ', TLS' : ''})`;
}

function readPem(flag: string, path: string | undefined): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (e) {
    throw new StorageSpecError(`cannot read ${flag} ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export interface OpenStorageOptions {
  log?: (line: string) => void;
  /**
   * false: leave keys of a-kube's earlier etcd layout, and events.k8s.io Events SQLite kept apart
   * (merged-resources.ts), where they are (a backup reads, it never writes).
   */
  moveEarlierLayout?: boolean;
}

/**
 * Opens the backend. For etcd it first makes sure a member answers, so a wrong address fails at start with
 * a message saying what to check, not later on the first request; then, unless told not to, it moves objects
 * that a-kube's earlier key layout left in etcd to kube-apiserver's layout (etcd/earlier-layout.ts).
 */
export async function openStorageSpec(spec: StorageSpec, defaultSqlitePath: string, o: OpenStorageOptions = {}): Promise<Storage> {
  // Backends load on demand: parsing the flag must not load SQLite's native module or gRPC.
  if (spec.kind === 'memory') return (await import('./memory.js')).createMemoryStorage();
  if (spec.kind === 'sqlite') {
    const store = (await import('./sqlite.js')).openSqliteStorage(spec.path ?? defaultSqlitePath);
    return moveEarlierData(store, o, async () => {
      const { describeMergedMove, moveMergedResources } = await import('./merged-resources.js');
      return describeMergedMove(await moveMergedResources(store));
    });
  }
  const { openEtcdStorage } = await import('./etcd/store.js');
  if (spec.tls?.certFile && !spec.tls.keyFile) throw new StorageSpecError('--etcd-certfile needs --etcd-keyfile (the client certificate\'s private key)');
  if (spec.tls?.keyFile && !spec.tls.certFile) throw new StorageSpecError('--etcd-keyfile needs --etcd-certfile');
  const ca = readPem('--etcd-cafile', spec.tls?.caFile);
  const cert = readPem('--etcd-certfile', spec.tls?.certFile);
  const key = readPem('--etcd-keyfile', spec.tls?.keyFile);
  const tls = ca || cert ? { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } : undefined;
  const store = openEtcdStorage({ endpoints: spec.endpoints, ...(spec.prefix ? { prefix: spec.prefix } : {}), ...(tls ? { tls } : {}), ...(o.log ? { log: o.log } : {}), timeoutMs: 15_000 });
  try {
    await store.currentRevision();
  } catch (e) {
    await store.close();
    const why = e instanceof Error ? e.message : String(e);
    throw new StorageSpecError(
      `cannot reach etcd at ${spec.endpoints.join(', ')}: ${why}. Check that etcd runs there, and for a TLS etcd give --etcd-cafile (and --etcd-certfile/--etcd-keyfile when it asks for client certificates)`,
    );
  }
  return moveEarlierData(store, o, async () => {
    const { describeEarlierLayoutReport, moveEarlierLayout } = await import('./etcd/earlier-layout.js');
    return describeEarlierLayoutReport(await moveEarlierLayout(store));
  });
}

/** Runs an opened store's move of data an earlier a-kube wrote (unless told not to), logs its report, closes on failure. */
async function moveEarlierData(store: Storage, o: OpenStorageOptions, move: () => Promise<string[]>): Promise<Storage> {
  if (o.moveEarlierLayout === false) return store;
  try {
    const log = o.log ?? ((line: string) => process.stderr.write(`storage: ${line}\n`));
    for (const line of await move()) log(line);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
