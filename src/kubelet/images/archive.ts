// A single-layer image as a docker-archive tarball (manifest.json + config + layer), the format
// `ctr images import` and `docker load` read.
import { createHash } from 'node:crypto';
import { tar, type TarEntry } from './tar.js';

export interface ImageSpecOptions {
  /** Full reference, e.g. localhost/a-kube/pause:1. */
  tag: string;
  files: TarEntry[];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  stopSignal?: string;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export function dockerArchive(o: ImageSpecOptions): Buffer {
  const layer = tar(o.files);
  const diffId = `sha256:${sha256(layer)}`;
  const config = Buffer.from(
    JSON.stringify({
      architecture: process.arch === 'arm64' ? 'arm64' : 'amd64',
      os: 'linux',
      created: '1970-01-01T00:00:00Z',
      config: {
        ...(o.entrypoint ? { Entrypoint: o.entrypoint } : {}),
        ...(o.cmd ? { Cmd: o.cmd } : {}),
        Env: o.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        ...(o.workingDir ? { WorkingDir: o.workingDir } : {}),
        ...(o.stopSignal ? { StopSignal: o.stopSignal } : {}),
      },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: '1970-01-01T00:00:00Z', created_by: 'a-kube' }],
    }),
  );
  const configName = `${sha256(config)}.json`;
  const layerName = `${sha256(layer)}/layer.tar`;
  const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [o.tag], Layers: [layerName] }]));
  return tar([
    { name: configName, data: config },
    { name: `${sha256(layer)}` },
    { name: layerName, data: layer },
    { name: 'manifest.json', data: manifest },
  ]);
}
