// Runs containerd as a supervised child (src/process/supervised-child.ts): started again with back-off when it
// dies, its output appended to DATA_DIR/containerd.log, stopped (SIGTERM, then SIGKILL) on shutdown. Containers
// keep running across a containerd restart: their shims are separate processes.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { CriClient } from '../cri/client.js';
import { processAlive, waitForExit } from '../../process/alive.js';
import { SupervisedChild } from '../../process/supervised-child.js';
import type { ContainerdPaths } from './config.js';

export interface SupervisorOptions {
  binary: string;
  paths: ContainerdPaths;
  log?: (line: string) => void;
}

/**
 * A containerd left running by an a-kube that was killed holds the metadata database lock; stop it (only if
 * its command line names our config file) before starting ours.
 */
export async function stopLeftoverContainerd(paths: ContainerdPaths): Promise<boolean> {
  if (!existsSync(paths.pidFile)) return false;
  const pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
  rmSync(paths.pidFile, { force: true });
  if (!Number.isInteger(pid) || pid <= 1 || !processAlive(pid)) return false;
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return false;
  }
  if (!cmdline.split('\0').includes(paths.config)) return false;
  process.kill(pid, 'SIGTERM');
  if (!(await waitForExit(pid, 10_000))) process.kill(pid, 'SIGKILL');
  await waitForExit(pid, 5000);
  return true;
}

export class ContainerdSupervisor {
  readonly #o: SupervisorOptions;
  readonly #child: SupervisedChild;

  constructor(o: SupervisorOptions) {
    this.#o = o;
    this.#child = new SupervisedChild({
      name: 'containerd',
      command: o.binary,
      args: ['--config', o.paths.config],
      logFile: o.paths.log,
      pidFile: o.paths.pidFile,
      say: (line) => o.log?.(line),
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Starts containerd and resolves once its CRI service answers (or rejects after timeoutMs). */
  async start(timeoutMs = 60_000): Promise<void> {
    if (await stopLeftoverContainerd(this.#o.paths)) this.#o.log?.('stopped a containerd left over from an earlier run');
    rmSync(this.#o.paths.socket, { force: true });
    this.#child.start();
    await waitForCri(this.#o.paths.socket, timeoutMs, () => (this.#child.pid === undefined ? `containerd exited at start; see ${this.#o.paths.log}` : undefined));
  }

  stop(): Promise<void> {
    return this.#child.stop();
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
