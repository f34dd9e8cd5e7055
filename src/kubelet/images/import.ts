// Image archives into the node's containerd, in the k8s.io namespace the CRI plugin reads, with containerd's
// own `ctr images import` (OCI layouts and docker archives alike).
import { spawn } from 'node:child_process';
import { findExecutable } from '../containerd/deps.js';

export interface ImportOptions {
  socket: string;
  archive: string;
  snapshotter?: string;
}

export function importImageArchive(o: ImportOptions): Promise<string[]> {
  const ctr = findExecutable('ctr');
  if (!ctr) return Promise.reject(new Error('ctr (from the containerd package) not found'));
  const args = ['--address', o.socket, '--namespace', 'k8s.io', 'images', 'import', ...(o.snapshotter ? ['--snapshotter', o.snapshotter] : []), o.archive];
  return new Promise((resolve, reject) => {
    const child = spawn(ctr, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`ctr images import ${o.archive} failed: ${out.trim()}`));
      // Lines look like "unpacking docker.io/library/nginx:latest (sha256:…)...done".
      const names = [...out.matchAll(/unpacking (\S+) \(sha256:/g)].map((m) => m[1] ?? '');
      resolve(names);
    });
  });
}
