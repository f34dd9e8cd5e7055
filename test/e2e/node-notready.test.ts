// Without root, `a-kube up` (containerd runtime by default) still brings the control plane up; the node registers
// NotReady with the reason and the fix, and the machine's network is left alone. Run as root, the test drops to
// the nobody user with setpriv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entry, repoRoot } from './harness.js';

const isRoot = process.getuid?.() === 0;
const hasSetpriv = spawnSync('sh', ['-c', 'command -v setpriv'], { encoding: 'utf8' }).status === 0;
const skip = !isRoot ? 'needs root to drop to an unprivileged user' : !hasSetpriv ? 'setpriv (util-linux) is not installed' : false;

test('a-kube up as an unprivileged user: control plane up, node NotReady saying how to fix it', { skip, timeout: 120_000 }, async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'akube-e2e-nonroot-'));
  chownSync(home, 65534, 65534);
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...entry('a-kube'), 'up', '--data-dir', join(home, 'data'), '--port', '0'], { cwd: repoRoot, env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
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
