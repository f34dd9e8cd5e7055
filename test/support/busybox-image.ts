// Builds a tiny OCI image archive from Debian's busybox-static (/bin/busybox plus one symlink per applet), for tests
// that run real containers without a registry. Import it with `ctr -n k8s.io images import FILE`.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

export const busyboxPath = '/bin/busybox';

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Writes an OCI image archive named `ref` (default command `cmd`) to `out`; throws when busybox-static is not installed. */
export function buildBusyboxImage(out: string, ref = 'docker.io/library/akube-busybox:test', cmd: string[] = ['/bin/sh']): void {
  if (!existsSync(busyboxPath)) throw new Error(`${busyboxPath} is missing: apt-get install busybox-static`);
  const work = mkdtempSync(join(tmpdir(), 'akube-image-'));
  try {
    const root = join(work, 'rootfs');
    for (const d of ['bin', 'tmp', 'etc', 'root', 'proc', 'sys', 'dev']) mkdirSync(join(root, d), { recursive: true });
    copyFileSync(busyboxPath, join(root, 'bin/busybox'));
    execFileSync('chmod', ['0755', join(root, 'bin/busybox')]);
    const applets = execFileSync(busyboxPath, ['--list']).toString().split('\n').filter((a) => /^[a-z0-9_.[-]+$/.test(a) && a !== 'busybox');
    for (const a of applets) symlinkSync('busybox', join(root, 'bin', a));
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\n');
    const layerPath = join(work, 'layer.tar');
    execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', layerPath, '.']);
    const layer = readFileSync(layerPath);
    const layerDigest = sha256(layer);
    const config = Buffer.from(JSON.stringify({
      architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: cmd },
      rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
    }));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256(config)}`, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${layerDigest}`, size: layer.length }],
    }));
    const oci = join(work, 'oci');
    const blobs = join(oci, 'blobs/sha256');
    mkdirSync(blobs, { recursive: true });
    for (const b of [layer, config, manifest]) writeFileSync(join(blobs, sha256(b)), b);
    writeFileSync(join(oci, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    writeFileSync(join(oci, 'index.json'), JSON.stringify({
      schemaVersion: 2,
      manifests: [{
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${sha256(manifest)}`,
        size: manifest.length,
        annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref.split(':').pop() ?? 'latest' },
      }],
    }));
    execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', oci, '-cf', out, '.']);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A pod sandbox ("pause") image: a shell that waits until it is signalled. */
export const pauseCommand = ['/bin/sh', '-c', "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done"];
