// The pod sandbox ("pause") image, built on this machine: a static C program that waits for signals, reaps
// children (it is PID 1 when the pod shares its PID namespace) and exits on SIGINT/SIGTERM. Built once into
// the data dir and imported into containerd when the runtime does not have it.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerArchive } from './archive.js';
import { findExecutable } from '../containerd/deps.js';

const pauseSource = `#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

static void stop(int sig) { (void)sig; _exit(0); }
static void reap(int sig) { (void)sig; while (waitpid(-1, NULL, WNOHANG) > 0) {} }

int main(void) {
  struct sigaction a = {0};
  a.sa_handler = stop;
  sigaction(SIGINT, &a, NULL);
  sigaction(SIGTERM, &a, NULL);
  a.sa_handler = reap;
  a.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &a, NULL);
  for (;;) pause();
  return 1;
}
`;

const version = createHash('sha256').update(pauseSource).digest('hex').slice(0, 12);
/** The sandbox image reference containerd is configured with (a tag per source version). */
export const pauseImage = `localhost/a-kube/pause:${version}`;

/** Builds the pause binary with the C compiler, or falls back to Debian's busybox-static. */
function pauseFiles(cacheDir: string): { files: { name: string; data?: Buffer; mode?: number }[]; entrypoint: string[] } {
  const cc = findExecutable('cc') ?? findExecutable('gcc');
  if (cc) {
    const bin = join(cacheDir, `pause-${version}`);
    if (!existsSync(bin)) {
      const src = join(cacheDir, `pause-${version}.c`);
      writeFileSync(src, pauseSource);
      const r = spawnSync(cc, ['-static', '-Os', '-s', '-o', `${bin}.tmp`, src], { encoding: 'utf8', timeout: 120_000 });
      if (r.status === 0) renameSync(`${bin}.tmp`, bin);
    }
    if (existsSync(bin)) return { files: [{ name: 'pause', data: readFileSync(bin), mode: 0o755 }], entrypoint: ['/pause'] };
  }
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) throw new Error('cannot build the pause image: no C compiler (apt-get install gcc libc6-dev) and no busybox-static');
  return { files: [{ name: 'bin' }, { name: 'bin/busybox', data: readFileSync(busybox), mode: 0o755 }], entrypoint: ['/bin/busybox', 'sleep', '2147483647'] };
}

/** Writes the pause image archive (cached by version) and returns its path. */
export function buildPauseArchive(cacheDir: string): string {
  mkdirSync(cacheDir, { recursive: true });
  const out = join(cacheDir, `pause-${version}.tar`);
  if (existsSync(out)) return out;
  const { files, entrypoint } = pauseFiles(cacheDir);
  writeFileSync(`${out}.tmp`, dockerArchive({ tag: pauseImage, files, entrypoint }));
  renameSync(`${out}.tmp`, out);
  return out;
}
