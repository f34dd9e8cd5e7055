// Starts a real `a-kube up` in a child process on a temporary data dir and a free port, and runs clients against it.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEtcd, type RunningEtcd } from '../support/etcd.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Cluster {
  url: string;
  dataDir: string;
  kubeconfig: string;
  process: ChildProcess;
  /** Output of the server so far (for failure messages). */
  log(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Start again on the same data dir (after stop or a kill -9). */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * The command line that runs an executable of this checkout: the build when present, else the TypeScript source
 * through tsx; with the Node flag bin/ starts them with (no `__proto__` accessor).
 */
export function entry(name: 'a-kube' | 'a-kubectl'): string[] {
  const js = join(repoRoot, `dist/${name}.js`);
  if (existsSync(js) && process.env.AKUBE_FROM_SOURCE !== '1') return ['--disable-proto=delete', js];
  return ['--disable-proto=delete', '--import', 'tsx', join(repoRoot, `src/cmd/${name}.ts`)];
}

/**
 * The storage the API suite runs on: AKUBE_E2E_STORAGE=etcd moves every cluster that would run on memory or the
 * default SQLite file onto an etcd started for it (test/support/etcd.ts); an explicit sqlite:// or etcd:// stays.
 */
const e2eStorage = process.env['AKUBE_E2E_STORAGE'] === 'etcd' ? 'etcd' : 'default';

function storageIndex(args: readonly string[]): number {
  return args.findIndex((a) => a === '--storage' || a.startsWith('--storage='));
}

function wantsEtcdInstead(args: readonly string[]): boolean {
  if (e2eStorage !== 'etcd') return false;
  const i = storageIndex(args);
  if (i < 0) return true;
  const value = args[i]?.startsWith('--storage=') ? args[i]?.slice('--storage='.length) : args[i + 1];
  return value === 'memory' || value === 'memory://';
}

function withStorage(args: readonly string[], value: string): string[] {
  const i = storageIndex(args);
  if (i < 0) return [...args, '--storage', value];
  const out = [...args];
  if (out[i]?.startsWith('--storage=')) out[i] = `--storage=${value}`;
  else out[i + 1] = value;
  return out;
}

/**
 * Starts `a-kube up` with `args`. `launcher` replaces the Node arguments that run `a-kube up` (a test fixture that
 * takes `--data-dir DIR --port 0` and prints the same ready line).
 */
export async function startCluster(opts: { args?: string[]; dataDir?: string; timeoutMs?: number; launcher?: string[] } = {}): Promise<Cluster> {
  let etcd: RunningEtcd | undefined;
  let args = opts.args ?? [];
  if (wantsEtcdInstead(args)) {
    etcd = await startEtcd();
    args = withStorage(args, `etcd://${etcd.endpoints.join(',')}`);
  }
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'akube-e2e-'));
  let child!: ChildProcess;
  let output = '';
  let url = '';

  async function launch(): Promise<void> {
    output = '';
    child = spawn(process.execPath, [...(opts.launcher ?? [...entry('a-kube'), 'up']), '--data-dir', dataDir, '--port', '0', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOME: dataDir },
    });
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`a-kube up did not become ready in time:\n${output}`)), opts.timeoutMs ?? 90_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const m = /a-kube is up at (\S+)/.exec(output);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('exit', (code, sig) => {
        clearTimeout(timer);
        reject(new Error(`a-kube up exited (${code ?? sig}) before it was ready:\n${output}`));
      });
    });
  }

  async function stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  try {
    await launch();
  } catch (e) {
    // Nothing is left behind by a start that failed: the process and a data dir made here go.
    await stop('SIGKILL');
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    await etcd?.stop();
    throw e;
  }
  const cluster: Cluster = {
    get url() {
      return url;
    },
    dataDir,
    kubeconfig: join(dataDir, 'admin.kubeconfig'),
    get process() {
      return child;
    },
    log: () => output,
    stop,
    async restart() {
      await stop();
      await launch();
    },
    async cleanup() {
      await stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
      await etcd?.stop();
    },
  };
  return cluster;
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

function result(r: SpawnSyncReturns<string>): RunResult {
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the real kubectl (or one of kubectl.1.NN) against the cluster with the admin kubeconfig. */
/** A command's stdout, after asserting that it exited 0 (the message names what failed and shows both streams). */
export function ok(r: RunResult, what: string): string {
  assert.equal(r.status, 0, `${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

export function kubectl(cluster: Cluster, args: string[], opts: { binary?: string; input?: string; env?: Record<string, string> } = {}): RunResult {
  return result(
    spawnSync(opts.binary ?? 'kubectl', ['--kubeconfig', cluster.kubeconfig, ...args], {
      encoding: 'utf8',
      input: opts.input ?? '',
      timeout: 60_000,
      env: { ...process.env, HOME: cluster.dataDir, ...opts.env },
    }),
  );
}

/**
 * kubectl without blocking this process: for tests whose own servers (webhooks, aggregated APIs) must answer the
 * API server while kubectl runs.
 */
export function kubectlAsync(cluster: Cluster, args: string[], opts: { binary?: string; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.binary ?? 'kubectl', ['--kubeconfig', cluster.kubeconfig, ...args], { env: { ...process.env, HOME: cluster.dataDir }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs this checkout's a-kubectl against the cluster. */
export function akubectl(cluster: Cluster, args: string[], opts: { input?: string; env?: Record<string, string> } = {}): RunResult {
  return result(
    spawnSync(process.execPath, [...entry('a-kubectl'), '--kubeconfig', cluster.kubeconfig, ...args], {
      encoding: 'utf8',
      input: opts.input ?? '',
      timeout: 60_000,
      cwd: repoRoot,
      env: { ...process.env, HOME: cluster.dataDir, ...opts.env },
    }),
  );
}

/** Where the versioned kubectl binaries live (beside the one `kubectl` links to). */
export function kubectlBinary(version: string): string | undefined {
  const r = spawnSync('sh', ['-c', 'dirname "$(readlink -f "$(command -v kubectl)")"'], { encoding: 'utf8' });
  const dir = r.stdout.trim();
  const p = join(dir, `kubectl.${version}`);
  return dir && existsSync(p) ? p : undefined;
}

export const hasKubectl = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).status === 0;
