// Network namespaces for tests: a "host" namespace standing in for the node (its own bridge, sysctls and
// iptables, so nothing touches the real host) and "pod" namespaces attached by the real CNI plugins.
// Every namespace, process and temp dir a lab makes is removed by cleanup(), also after a failure.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand, type Runner } from '../../../../src/kubelet/network/command.js';

let seq = 0;

/** Why netns tests cannot run here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces';
  const probe = spawnSync('ip', ['netns', 'list']);
  if (probe.status !== 0) return 'the ip tool with netns support is missing';
  if (spawnSync('iptables-restore', ['--version']).status !== 0) return 'iptables-restore is missing';
  return undefined;
}

export class NetLab {
  readonly tag = `akt${process.pid % 100000}x${++seq}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'a-kube-netlab-'));
  readonly #namespaces: string[] = [];
  readonly #children: ChildProcess[] = [];
  readonly #deferred: (() => unknown)[] = [];

  /** Runs `fn` at cleanup, before the namespaces go (last deferred runs first). */
  defer(fn: () => unknown): void {
    this.#deferred.push(fn);
  }

  /** A fresh namespace with loopback up; the name is unique to this lab. */
  async netns(role: string): Promise<string> {
    const name = `${this.tag}-${role}`;
    await runCommand('ip', ['netns', 'add', name]);
    this.#namespaces.push(name);
    await this.exec(name, 'ip', ['link', 'set', 'lo', 'up']);
    return name;
  }

  exec(ns: string, file: string, args: readonly string[], input?: string): ReturnType<Runner> {
    return runCommand('ip', ['netns', 'exec', ns, file, ...args], input);
  }

  /** A Runner whose commands run inside `ns`. */
  runner(ns: string): Runner {
    return (file, args, input) => this.exec(ns, file, args, input);
  }

  /** Calls a CNI plugin chain's ADD the way containerd does, for `podNs` (the plugins run in `hostNs`). */
  async cniAdd(hostNs: string, podNs: string, conflist: { cniVersion: string; name: string; plugins: Record<string, unknown>[] }, containerId: string): Promise<{ ips: { address: string }[] }> {
    let prevResult: unknown;
    for (const plugin of conflist.plugins) {
      if (plugin['type'] === 'portmap') continue; // needs runtime config; not part of these tests
      const conf = { cniVersion: conflist.cniVersion, name: conflist.name, ...plugin, ...(prevResult ? { prevResult } : {}) };
      const out = await runCommand('ip', ['netns', 'exec', hostNs, 'env', 'CNI_COMMAND=ADD', `CNI_CONTAINERID=${containerId}`, `CNI_NETNS=/var/run/netns/${podNs}`, 'CNI_IFNAME=eth0', 'CNI_PATH=/usr/lib/cni', `/usr/lib/cni/${String(plugin['type'])}`], JSON.stringify(conf));
      prevResult = JSON.parse(out.stdout);
    }
    return prevResult as { ips: { address: string }[] };
  }

  /** Starts `node -e script` inside `ns` and resolves once it prints a line containing `ready`. */
  serve(ns: string, script: string): Promise<ChildProcess> {
    return this.serveNode(ns, ['-e', script]);
  }

  /** Starts `node ...args` inside `ns` and resolves once it prints a line containing `ready`. */
  serveNode(ns: string, args: readonly string[]): Promise<ChildProcess> {
    return this.start(ns, process.execPath, args, 'ready');
  }

  /** Starts a program inside `ns` and resolves once its output (either stream) contains `readyText`. */
  async start(ns: string, file: string, args: readonly string[], readyText: string): Promise<ChildProcess> {
    const child = spawn('ip', ['netns', 'exec', ns, file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.push(child);
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const onData = (c: Buffer) => {
        out += c.toString();
        if (out.includes(readyText)) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.on('exit', (code) => reject(new Error(`${file} in ${ns} exited (${String(code)}): ${out}`)));
    });
    return child;
  }

  async cleanup(): Promise<void> {
    for (const fn of this.#deferred.reverse()) {
      try {
        await fn();
      } catch {
        // keep cleaning up
      }
    }
    for (const c of this.#children) if (c.exitCode === null) c.kill('SIGKILL');
    await Promise.all(this.#children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    for (const ns of this.#namespaces.reverse()) spawnSync('ip', ['netns', 'del', ns]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A tiny HTTP server answering "<name> <client address>" on every request. */
export function echoServerScript(name: string, port: number, host = '0.0.0.0'): string {
  return `require('node:http').createServer((q, s) => s.end(${JSON.stringify(name)} + ' ' + q.socket.remoteAddress)).listen(${port}, ${JSON.stringify(host)}, () => console.log('ready'))`;
}

/** GETs http://host:port/ from inside `ns` with node; resolves with the body. */
export async function httpGetFrom(lab: NetLab, ns: string, host: string, port: number, timeoutMs = 3000): Promise<string> {
  const script = `const r = require('node:http').get({ host: ${JSON.stringify(host)}, port: ${port}, timeout: ${timeoutMs} }, (res) => { let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => process.stdout.write(b)); }); r.on('timeout', () => { r.destroy(); process.stderr.write('timeout'); process.exit(2); }); r.on('error', (e) => { process.stderr.write(e.message); process.exit(1); });`;
  return (await lab.exec(ns, process.execPath, ['-e', script])).stdout;
}
