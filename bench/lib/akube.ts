// The server under test: a real `a-kube up` in its own process, from a bundle like the shipped one (or from source via tsx).
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { startChild, memoryBytes, type Child } from './child.js';
import { openH2Pool, type H2Pool, type TlsClientOptions } from './h2-client.js';

/** How to run `a-kube`: the command and the arguments that come before `up`. */
export interface AKubeEntry {
  cmd: string;
  args: string[];
  describe: string;
  /** Removes what the entry made (the bundle's directory). */
  cleanup(): void;
}

export function tsxEntry(root: string): AKubeEntry {
  return { cmd: process.execPath, args: ['--import', 'tsx', join(root, 'src/cmd/a-kube.ts')], describe: 'source through tsx', cleanup: () => {} };
}

/** Bundles src/cmd/a-kube.ts the way scripts/build.mjs does, into a temporary directory (dist/ belongs to the build). */
export async function bundleEntry(root: string): Promise<AKubeEntry> {
  const out = mkdtempSync(join(tmpdir(), 'a-kube-bench-dist-'));
  await build({
    entryPoints: { 'a-kube': join(root, 'src/cmd/a-kube.ts') },
    outdir: out,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  cpSync(join(root, 'src/api/generated'), join(out, 'generated'), { recursive: true });
  // The bundle keeps packages external: let Node find them from the temporary directory.
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'), 'dir');
  return { cmd: process.execPath, args: [join(out, 'a-kube.js')], describe: 'an esbuild bundle like dist/', cleanup: () => rmSync(out, { recursive: true, force: true }) };
}

export interface RunningAKube {
  child: Child;
  url: string;
  tls: Required<TlsClientOptions>;
  /** Spawn until the first 200 from /readyz. */
  readyMs: number;
  /** Resident memory in bytes, now. */
  rss(): number;
  /** The peak resident memory in bytes so far. */
  peakRss(): number;
  stop(): Promise<void>;
}

function readTls(dataDir: string): Required<TlsClientOptions> {
  const pki = join(dataDir, 'pki');
  return { ca: readFileSync(join(pki, 'ca.crt'), 'utf8'), cert: readFileSync(join(pki, 'admin.crt'), 'utf8'), key: readFileSync(join(pki, 'admin.key'), 'utf8') };
}

async function pollReady(pool: H2Pool, deadlineNs: bigint): Promise<bigint> {
  for (;;) {
    const res = await pool.request({ method: 'GET', path: '/readyz' });
    const now = process.hrtime.bigint();
    if (res.status === 200) return now;
    if (now > deadlineNs) throw new Error(`/readyz still answers ${res.status}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export interface StartOptions {
  /** `up` (the whole cluster, the default) or `server` (the API server alone). */
  command?: 'up' | 'server';
  /** Arguments after the data dir and port. */
  args?: readonly string[];
  /** Node's own options, before the entry's (e.g. `--inspect=127.0.0.1:PORT`). */
  nodeArgs?: readonly string[];
}

/** Starts `a-kube up` (or `server`) on dataDir and a free port. */
export async function startAKube(entry: AKubeEntry, dataDir: string, cwd: string, opts: StartOptions = {}): Promise<RunningAKube> {
  const args = [...(opts.nodeArgs ?? []), ...entry.args, opts.command ?? 'up', '--data-dir', dataDir, '--port', '0', ...(opts.args ?? [])];
  const { child, value: url } = await startChild(entry.cmd, args, /a-kube is up at (\S+)/, {
    cwd,
    timeoutMs: 120_000,
  });
  try {
    const tls = readTls(dataDir);
    const pool = await openH2Pool(url, tls, 1);
    let readyNs: bigint;
    try {
      readyNs = await pollReady(pool, process.hrtime.bigint() + 30_000_000_000n);
    } finally {
      pool.close();
    }
    return {
      child,
      url,
      tls,
      readyMs: Number((readyNs - child.spawnedNs) / 1000n) / 1000,
      rss: () => memoryBytes(child.pid, 'VmRSS'),
      peakRss: () => memoryBytes(child.pid, 'VmHWM'),
      stop: () => child.stop(),
    };
  } catch (e) {
    await child.stop();
    throw e;
  }
}
