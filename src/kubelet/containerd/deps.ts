// Can this machine run containers through a containerd of our own? Missing binaries or a non-root process
// leave the node NotReady with a message that says how to fix it.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const installHint = 'run scripts/install-deps.sh, or: apt-get install containerd runc containernetworking-plugins';

/** The executable on PATH (and, for a PATH without them, the sbin directories where Debian puts runc). */
export function findExecutable(name: string, path = `${process.env['PATH'] ?? ''}${delimiter}/usr/sbin${delimiter}/sbin${delimiter}/usr/local/sbin`): string | undefined {
  const dirs = path.split(delimiter);
  for (const dir of dirs) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface RuntimeDeps {
  containerd?: string;
  ctr?: string;
  runc?: string;
  /** A problem that prevents running containers, worded for the person starting a-kube; undefined when none. */
  problem?: string;
}

export function checkRuntimeDeps(cniBinDir: string, path?: string, uid = typeof process.getuid === 'function' ? process.getuid() : 0): RuntimeDeps {
  const containerd = findExecutable('containerd', path);
  const ctr = findExecutable('ctr', path);
  const runc = findExecutable('runc', path);
  const missing = [!containerd && 'containerd', !runc && 'runc', !ctr && 'ctr (containerd)'].filter(Boolean);
  let cni = true;
  try {
    accessSync(join(cniBinDir, 'bridge'), constants.X_OK);
  } catch {
    cni = false;
  }
  if (!cni) missing.push(`CNI plugins (${cniBinDir}/bridge)`);
  let problem: string | undefined;
  if (missing.length) problem = `${missing.join(', ')} not found: ${installHint}`;
  else if (uid !== 0) problem = 'running containers needs root (containerd, runc and CNI create namespaces, mounts and cgroups): start a-kube up as root, or use --runtime fake for simulated pods';
  return { ...(containerd ? { containerd } : {}), ...(ctr ? { ctr } : {}), ...(runc ? { runc } : {}), ...(problem ? { problem } : {}) };
}
