// Starts etcd (Debian's etcd-server, /usr/bin/etcd) as child processes for tests and benchmarks: one member
// or a cluster of several, on free loopback ports, each with a temp data dir; stop() kills them and removes
// the dirs. Optional TLS with client certificates (the files are the caller's).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient, type EtcdTls } from '../../src/storage/etcd/client.js';

export const etcdBinary = process.env['AKUBE_ETCD'] ?? '/usr/bin/etcd';

/** Why etcd tests cannot run here, or undefined when they can. */
export function etcdMissing(): string | undefined {
  return existsSync(etcdBinary) ? undefined : `${etcdBinary} is not installed (Debian: apt-get install etcd-server etcd-client; scripts/install-deps.sh --for-tests does it)`;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface EtcdTlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export interface RunningEtcd {
  /** host:port of each member's client URL. */
  endpoints: string[];
  /** Kills member i (SIGKILL), as a crash would. */
  kill(i: number): Promise<void>;
  /** Starts member i again on its data dir and ports. */
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  child: ChildProcess | undefined;
  stderr: string;
}

/**
 * members: how many (default 1). dataDir: start one member (named m0) on this existing data dir, e.g. one made
 * by "etcdctl snapshot restore --name m0"; it stays when stopped.
 */
export async function startEtcd(o: { members?: number; tls?: EtcdTlsFiles; clientTls?: EtcdTls; dataDir?: string } = {}): Promise<RunningEtcd> {
  const missing = etcdMissing();
  if (missing) throw new Error(missing);
  const count = o.members ?? 1;
  const root = mkdtempSync(join(tmpdir(), 'a-kube-etcd-'));
  const scheme = o.tls ? 'https' : 'http';
  const members: Member[] = [];
  for (let i = 0; i < count; i++) {
    members.push({ name: `m${i}`, clientPort: await freePort(), peerPort: await freePort(), dataDir: i === 0 && o.dataDir ? o.dataDir : join(root, `m${i}`), child: undefined, stderr: '' });
  }
  const initialCluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
  const launch = (m: Member, state: 'new' | 'existing'): void => {
    const args = [
      `--name=${m.name}`,
      `--data-dir=${m.dataDir}`,
      `--listen-client-urls=${scheme}://127.0.0.1:${m.clientPort}`,
      `--advertise-client-urls=${scheme}://127.0.0.1:${m.clientPort}`,
      `--listen-peer-urls=http://127.0.0.1:${m.peerPort}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${m.peerPort}`,
      `--initial-cluster=${initialCluster}`,
      `--initial-cluster-state=${state}`,
      '--initial-cluster-token=a-kube-test',
      '--logger=zap',
      '--log-level=error',
      ...(o.tls ? [`--cert-file=${o.tls.cert}`, `--key-file=${o.tls.key}`, `--trusted-ca-file=${o.tls.ca}`, '--client-cert-auth'] : []),
    ];
    const child = spawn(etcdBinary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    m.stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      m.stderr = (m.stderr + d.toString()).slice(-4000);
    });
    m.child = child;
  };
  const waitReady = async (m: Member): Promise<void> => {
    const client = new EtcdClient({ endpoints: [`127.0.0.1:${m.clientPort}`], timeoutMs: 1000, ...(o.clientTls ? { tls: o.clientTls } : {}) });
    try {
      const deadline = Date.now() + 20_000;
      for (;;) {
        if (m.child?.exitCode !== null && m.child?.exitCode !== undefined) throw new Error(`etcd ${m.name} exited (${m.child.exitCode}): ${m.stderr}`);
        try {
          // A linearizable read needs a leader: the member is ready when it answers one.
          await client.range({ key: Buffer.from('ready') });
          return;
        } catch (e) {
          if (Date.now() > deadline) throw new Error(`etcd ${m.name} not ready after 20 s: ${String(e)}; ${m.stderr}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    } finally {
      client.close();
    }
  };
  const killMember = async (m: Member): Promise<void> => {
    const child = m.child;
    m.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  };
  const stop = async (): Promise<void> => {
    await Promise.all(members.map(killMember));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (const m of members) launch(m, o.dataDir ? 'existing' : 'new');
    await Promise.all(members.map(waitReady));
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    endpoints: members.map((m) => `127.0.0.1:${m.clientPort}`),
    kill: (i) => killMember(members[i] as Member),
    restart: async (i) => {
      const m = members[i] as Member;
      launch(m, 'existing');
      await waitReady(m);
    },
    stop,
  };
}
