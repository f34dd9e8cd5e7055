// One supervised child process (containerd for the node agent; an etcd member, an API server, a controller-manager
// or a scheduler for `a-kube up --ha`): its output goes to a log file of its own, it is started again when it exits unexpectedly (after
// 1 s, doubling to 30 s while it keeps failing within a minute), and stop() ends it with SIGTERM, then SIGKILL.
// Where util-linux's setpriv is (Debian: always), the child is started through it with a parent-death signal, so
// that it gets SIGTERM also when the supervisor is killed outright.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';

export interface ChildSpec {
  /** How people see it, e.g. "API server https://127.0.0.1:6444". */
  name: string;
  command: string;
  args: string[];
  logFile: string;
  /** Where the running process's pid is kept (written at each start, removed by stop()), if anywhere. */
  pidFile?: string;
  /** Lifecycle lines (started, exited, restarting) for the supervisor's own output. */
  say: (line: string) => void;
}

const firstBackoffMs = 1000;
const maxBackoffMs = 30_000;
/** A run this long counts as healthy: the next failure waits the first back-off again. */
const healthyRunMs = 60_000;
const stopGraceMs = 10_000;
const setpriv = '/usr/bin/setpriv';

/** Children still running: killed when the supervisor exits without stopping them (an error, a second signal). */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
}

export class SupervisedChild {
  private child: ChildProcess | undefined;
  private readonly log: WriteStream;
  private stopping = false;
  private backoffMs = firstBackoffMs;
  private restartTimer: NodeJS.Timeout | undefined;
  private tail = '';
  private readonly listeners = new Set<(text: string) => void>();

  constructor(readonly spec: ChildSpec) {
    this.log = createWriteStream(spec.logFile, { flags: 'a', mode: 0o600 });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines of its output since it was last started (for failure messages). */
  recentOutput(): string {
    return this.tail;
  }

  start(): void {
    // setpriv sets the signal and executes the command in its own place (same pid).
    const [command, args] = existsSync(setpriv) ? [setpriv, ['--pdeathsig', 'TERM', '--', this.spec.command, ...this.spec.args]] : [this.spec.command, this.spec.args];
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    track(child);
    if (child.pid && this.spec.pidFile) writeFileSync(this.spec.pidFile, `${child.pid}\n`);
    this.tail = '';
    const startedAt = Date.now();
    const onData = (d: Buffer): void => {
      // output may still come after exit, once stop() has closed the log
      if (!this.log.writableEnded) this.log.write(d);
      const text = d.toString();
      this.tail = (this.tail + text).slice(-4000);
      for (const l of this.listeners) l(this.tail);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (e) => this.spec.say(`${this.spec.name}: ${e.message}`));
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.stopping) return;
      if (Date.now() - startedAt >= healthyRunMs) this.backoffMs = firstBackoffMs;
      const delay = this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, maxBackoffMs);
      this.spec.say(`${this.spec.name} (pid ${child.pid}) exited (${signal ?? `code ${code}`}); starting it again in ${delay / 1000} s (log: ${this.spec.logFile})`);
      this.restartTimer = setTimeout(() => {
        this.restartTimer = undefined;
        if (this.stopping) return;
        this.start();
        this.spec.say(`${this.spec.name} started again (pid ${this.child?.pid})`);
      }, delay);
    });
  }

  /**
   * Resolves with the first match of `pattern` in the output of the current run; rejects when the process exits
   * first or `timeoutMs` passes.
   */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const child = this.child;
    if (!child) return Promise.reject(new Error(`${this.spec.name} is not running`));
    const already = pattern.exec(this.tail);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        child.off('exit', onExit);
      };
      const check = (text: string): void => {
        const m = pattern.exec(text);
        if (m) {
          done();
          resolve(m);
        }
      };
      const onExit = (): void => {
        done();
        reject(new Error(`${this.spec.name} exited while starting:\n${this.tail}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.spec.name} not ready after ${timeoutMs / 1000} s:\n${this.tail}`));
      }, timeoutMs);
      this.listeners.add(check);
      child.once('exit', onExit);
    });
  }

  /** Ends the process (SIGTERM, SIGKILL after 10 s) and does not start it again. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      // 'close' comes after 'exit' once its output has been read too
      const exited = new Promise((r) => child.once('close', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
      await exited;
      clearTimeout(timer);
    }
    if (this.spec.pidFile) rmSync(this.spec.pidFile, { force: true });
    await new Promise<void>((r) => this.log.end(r));
  }
}
