// The etcd cluster of `a-kube up --ha` when no --storage etcd://… is given: three members of the machine's etcd
// (Debian's etcd-server, /usr/bin/etcd) as supervised children on loopback ports, with their data under
// DIR/etcd/m0, m1, m2. The ports are picked on the first start and kept in DIR/etcd/members.json, so that a
// restart finds the same cluster (peer URLs are part of its membership).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { EtcdClient } from '../../storage/etcd/client.js';
import { SupervisedChild } from '../../process/supervised-child.js';
import { freePort } from './free-port.js';

export const defaultEtcdBinary = '/usr/bin/etcd';

interface MemberPorts {
  name: string;
  client: number;
  peer: number;
}

interface ClusterFile {
  token: string;
  members: MemberPorts[];
}

export interface RunningEtcdMembers {
  /** host:port of each member's client URL, for --storage etcd://… */
  endpoints: string[];
  members: SupervisedChild[];
  dataDir: string;
  stop(): Promise<void>;
}

function isPort(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n < 65536;
}

/** DIR/etcd/members.json as written by an earlier start, when it is whole; undefined when there is none. */
function readClusterFile(path: string, count: number): ClusterFile | undefined {
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path} cannot be read (${e instanceof Error ? e.message : String(e)}): move it away to start a new etcd cluster`);
  }
  const o = parsed as Partial<ClusterFile> | null;
  const members = Array.isArray(o?.members) ? o.members : [];
  const whole = typeof o?.token === 'string' && members.every((m: Partial<MemberPorts>) => typeof m?.name === 'string' && /^m\d$/.test(m.name) && isPort(m.client) && isPort(m.peer));
  if (!whole || members.length === 0) throw new Error(`${path} is not a members file of a-kube: move it away to start a new etcd cluster`);
  if (members.length !== count) throw new Error(`the etcd cluster in ${path} has ${members.length} members, not ${count}`);
  return o as ClusterFile;
}

/** Waits until the member answers a linearizable read (it then has a leader). */
async function waitReady(endpoint: string, member: SupervisedChild, timeoutMs: number): Promise<void> {
  const client = new EtcdClient({ endpoints: [endpoint], timeoutMs: 1000 });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await client.range({ key: Buffer.from('a-kube-ready') });
        return;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`${member.spec.name} not ready after ${timeoutMs / 1000} s: ${e instanceof Error ? e.message : String(e)}\n${member.recentOutput()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    client.close();
  }
}

export async function startEtcdMembers(o: { dataDir: string; binary: string; count: number; logDir: string; say: (line: string) => void }): Promise<RunningEtcdMembers> {
  if (!existsSync(o.binary)) throw new Error(`${o.binary} is not installed: --ha runs its etcd cluster with it (Debian: apt-get install etcd-server), or give --storage etcd://HOST:PORT`);
  const root = join(o.dataDir, 'etcd');
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const file = join(root, 'members.json');
  let cluster = readClusterFile(file, o.count);
  const fresh = cluster === undefined;
  if (!cluster) {
    const members: MemberPorts[] = [];
    for (let i = 0; i < o.count; i++) members.push({ name: `m${i}`, client: await freePort('127.0.0.1'), peer: await freePort('127.0.0.1') });
    cluster = { token: `a-kube-${randomUUID()}`, members };
  }
  const present = cluster.members.filter((m) => existsSync(join(root, m.name)));
  if (!fresh && present.length !== cluster.members.length) throw new Error(`${root} lacks the data of ${cluster.members.filter((m) => !present.includes(m)).map((m) => m.name).join(', ')}: restore it, or move ${root} away to start a new etcd cluster`);
  if (fresh && present.length > 0) throw new Error(`${root} holds member data but no members.json: move it away to start a new etcd cluster`);
  if (fresh) writeFileSync(file, `${JSON.stringify(cluster, null, 2)}\n`, { mode: 0o600 });
  const initialCluster = cluster.members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}`).join(',');
  const children = cluster.members.map(
    (m) =>
      new SupervisedChild({
        name: `etcd member ${m.name} (127.0.0.1:${m.client})`,
        command: o.binary,
        args: [
          `--name=${m.name}`,
          `--data-dir=${join(root, m.name)}`,
          `--listen-client-urls=http://127.0.0.1:${m.client}`,
          `--advertise-client-urls=http://127.0.0.1:${m.client}`,
          `--listen-peer-urls=http://127.0.0.1:${m.peer}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${m.peer}`,
          `--initial-cluster=${initialCluster}`,
          // A member with data ignores the initial-cluster flags; "new" only matters on the first start.
          '--initial-cluster-state=new',
          `--initial-cluster-token=${cluster.token}`,
          '--logger=zap',
          '--log-level=warn',
        ],
        logFile: join(o.logDir, `etcd-${m.name}.log`),
        say: o.say,
      }),
  );
  const endpoints = cluster.members.map((m) => `127.0.0.1:${m.client}`);
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => c.stop()));
  };
  try {
    for (const c of children) c.start();
    await Promise.all(children.map((c, i) => waitReady(endpoints[i] as string, c, 60_000)));
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoints, members: children, dataDir: root, stop };
}
