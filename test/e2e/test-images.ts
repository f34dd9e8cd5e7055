// Small images for node tests, built on the fly from Debian's busybox-static (no registry, no debootstrap).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerArchive } from '../../src/kubelet/images/archive.js';

export const busyboxImage = 'localhost/a-kube/busybox:test';

const applets = ['sh', 'httpd', 'timeout', 'head', 'sleep', 'cat', 'ls', 'echo', 'true', 'false', 'id', 'env', 'ps', 'kill', 'hostname', 'wget', 'nc', 'nslookup', 'ip', 'test', 'grep', 'mkdir', 'touch', 'rm', 'date', 'stat', 'readlink'];

export function busyboxAvailable(): boolean {
  return existsSync('/bin/busybox');
}

/** Writes the busybox test image archive into dir and returns its path. */
export function writeBusyboxArchive(dir: string): string {
  const busybox = readFileSync('/bin/busybox');
  const files = [
    { name: 'bin' },
    { name: 'bin/busybox', data: busybox, mode: 0o755 },
    ...applets.map((a) => ({ name: `bin/${a}`, data: Buffer.from(`#!/bin/busybox sh\nexec /bin/busybox ${a} "$@"\n`), mode: 0o755 })),
    { name: 'etc' },
    { name: 'etc/passwd', data: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n') },
    { name: 'etc/group', data: Buffer.from('root:x:0:\nnogroup:x:65534:\n') },
    { name: 'tmp', mode: 0o777 },
    { name: 'root' },
  ];
  const file = join(dir, 'busybox-test.tar');
  writeFileSync(file, dockerArchive({ tag: busyboxImage, files, entrypoint: ['/bin/sh'], env: ['PATH=/bin'] }));
  return file;
}
