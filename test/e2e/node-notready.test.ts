// Without root, `a-kube up` (containerd runtime by default) still brings the control plane up; the node registers
// NotReady with the reason and the fix, and the machine's network is left alone. Run as root, the test drops to
// the nobody user with setpriv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entry, repoRoot } from './harness.js';

const isRoot = process.getuid?.() === 0;
const hasSetpriv = spawnSync('sh', ['-c', 'command -v setpriv'], { encoding: 'utf8' }).status === 0;
const skip = !isRoot ? 'needs root to drop to an unprivileged user' : !hasSetpriv ? 'setpriv (util-linux) is not installed' : false;

const dropToNobody = ['--reuid=65534', '--regid=65534', '--clear-groups'];

/**
 * The command line and working directory of `a-kube` for the unprivileged user. A checkout it cannot read (a clone
 * inside a root-only directory, as a fresh CI clone in a 0700 temp dir is) is copied — node_modules as hard links
 * where the file system allows — into a directory of the test's own that everyone may read.
 */
function readableCheckout(workDir: string): { args: string[]; cwd: string } {
  const canRead = spawnSync('setpriv', [...dropToNobody, 'test', '-r', join(repoRoot, 'package.json')]).status === 0;
  if (canRead) return { args: entry('a-kube'), cwd: repoRoot };
  const copy = join(workDir, 'checkout');
  const parts = ['package.json', 'dist', 'src', 'node_modules'].filter((p) => existsSync(join(repoRoot, p)));
  const cp = spawnSync('sh', ['-c', 'mkdir -p "$1" && cd "$2" && shift 2 && for p in "$@"; do cp -al "$p" "$0/" 2>/dev/null || cp -a "$p" "$0/"; done', copy, copy, repoRoot, ...parts], { encoding: 'utf8' });
  assert.equal(cp.status, 0, `copying the checkout for the unprivileged user: ${cp.stderr}`);
  spawnSync('chmod', ['-R', 'a+rX', copy]);
  return { args: entry('a-kube').map((a) => (a.startsWith(repoRoot) ? copy + a.slice(repoRoot.length) : a)), cwd: copy };
}

test('a-kube up as an unprivileged user: control plane up, node NotReady saying how to fix it', { skip, timeout: 120_000 }, async (t) => {
  const work = mkdtempSync(join(tmpdir(), 'akube-e2e-nonroot-'));
  chmodSync(work, 0o755);
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const home = join(work, 'home');
  mkdirSync(home);
  chownSync(home, 65534, 65534);
  const run = readableCheckout(work);
  const child = spawn('setpriv', [...dropToNobody, process.execPath, ...run.args, 'up', '--data-dir', join(home, 'data'), '--port', '0'], { cwd: run.cwd, env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    child.kill('SIGTERM');
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not up in time:\n${out}`)), 90_000);
    const on = (c: Buffer) => {
      out += c.toString();
      const m = /a-kube is up at (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.on('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
  assert.match(url, /^https:\/\//);
  assert.match(out, /node \S+ is NotReady: running containers needs root/);
  const kubeconfig = join(home, 'data', 'admin.kubeconfig');
  let message = '';
  for (let i = 0; i < 40 && !message; i++) {
    const r = spawnSync('kubectl', ['--kubeconfig', kubeconfig, 'get', 'nodes', '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status} {.items[0].status.conditions[?(@.type=="Ready")].message}'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.startsWith('False ')) message = r.stdout;
    else await new Promise((r2) => setTimeout(r2, 500));
  }
  assert.match(message, /^False container runtime is down: running containers needs root/);
  const ns = spawnSync('kubectl', ['--kubeconfig', kubeconfig, 'get', 'namespaces', '-o', 'name'], { encoding: 'utf8' });
  assert.match(ns.stdout, /namespace\/default/);
});
