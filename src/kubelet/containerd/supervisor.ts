// Runs containerd as a supervised child: restarted with back-off when it dies, its output appended to
// DATA_DIR/containerd.log, stopped (SIGTERM, then SIGKILL) on shutdown. Containers keep running across a
// containerd restart: their shims are separate processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { CriClient } from '../cri/client.js';
import type { ContainerdPaths } from './config.js';

export interface SupervisorOptions {
  binary: string;
  paths: ContainerdPaths;
  log?: (line: string) => void;
}

const restartMinMs = 1000;
const restartMaxMs = 30_000;
/** A run this long counts as healthy: the next crash restarts at once again. */
const healthyRunMs = 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

/**
 * A containerd left running by an a-kube that was killed holds the metadata database lock; stop it (only if
 * its command line names our config file) before starting ours.
 */
export async function stopLeftoverContainerd(paths: ContainerdPaths): Promise<boolean> {
  if (!existsSync(paths.pidFile)) return false;
  const pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
  rmSync(paths.pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 1 || !alive(pid)) return false;
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  if (!cmdline.split('\0').includes(paths.config)) return false;
  process.kill(pid, 'SIGTERM');
  if (!(await waitExit(pid, 10_000))) process.kill(pid, 'SIGKILL');
  await waitExit(pid, 5000);
  return true;
}

export class ContainerdSupervisor {
  readonly #o: SupervisorOptions;
  #child: ChildProcess | undefined;
  #stopping = false;
  #restarts = 0;
  #timer: NodeJS.Timeout | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(o: SupervisorOptions) {
    this.#o = o;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  #spawn(): void {
    const out = openSync(this.#o.paths.log, 'a');
    const child = spawn(this.#o.binary, ['--config', this.#o.paths.config], { stdio: ['ignore', out, out], detached: false });
    closeSync(out);
    this.#child = child;
    const started = Date.now();
    if (child.pid) writeFileSync(this.#o.paths.pidFile, `${child.pid}\n`);
    this.#exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        resolve();
        if (this.#child === child) this.#child = undefined;
        if (this.#stopping) return;
        if (Date.now() - started > healthyRunMs) this.#restarts = 0;
        const delay = Math.min(restartMaxMs, restartMinMs * 2 ** this.#restarts++);
        this.#o.log?.(`containerd exited (${code ?? signal}); restarting in ${delay / 1000}s (see ${this.#o.paths.log})`);
        this.#timer = setTimeout(() => this.#spawn(), delay);
      });
      child.once('error', (e) => this.#o.log?.(`containerd: ${e.message}`));
    });
  }

  /** Starts containerd and resolves once its CRI service answers (or rejects after timeoutMs). */
  async start(timeoutMs = 60_000): Promise<void> {
    if (await stopLeftoverContainerd(this.#o.paths)) this.#o.log?.('stopped a containerd left over from an earlier run');
    rmSync(this.#o.paths.socket, { force: true });
    this.#spawn();
    await waitForCri(this.#o.paths.socket, timeoutMs, () => (this.#child ? undefined : `containerd exited at start; see ${this.#o.paths.log}`));
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearTimeout(this.#timer);
    const child = this.#child;
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await this.#exited;
      clearTimeout(killer);
    }
    rmSync(this.#o.paths.pidFile, { force: true });
  }
}

/** Polls until a CRI endpoint answers Version. */
export async function waitForCri(socket: string, timeoutMs: number, failed?: () => string | undefined): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    const why = failed?.();
    if (why) throw new Error(why);
    if (existsSync(socket)) {
      const cri = new CriClient({ endpoint: socket, timeoutMs: 2000 });
      try {
        await cri.version();
        return;
      } catch (e) {
        last = e instanceof Error ? e.message : String(e);
      } finally {
        cri.close();
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`containerd did not answer on ${socket} within ${timeoutMs / 1000}s${last ? ` (${last})` : ''}`);
}
