// `a-kube image import|ls|rm`: images of the local node's containerd (the one `a-kube up` runs under the data
// dir, or --container-runtime-endpoint), in the k8s.io namespace its CRI plugin serves pods from.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { containerdPaths } from '../containerd/config.js';
import { CriClient } from '../cri/client.js';
import { importImageArchive } from './import.js';

export const imageUsage = `Manage the images of the local node's containerd (started by a-kube up).

Usage:
  a-kube image import [--data-dir DIR] FILE.tar...   Import OCI or docker image archives
  a-kube image ls [--data-dir DIR]                     List images
  a-kube image rm [--data-dir DIR] IMAGE...            Remove images

Options:
  --data-dir DIR                      The data dir of a-kube up (default: ~/.a-kube)
  --container-runtime-endpoint URL    A containerd CRI socket (unix:///PATH) instead of DIR's
  -h, --help                          Show this help

Examples:
  scripts/build-walkthrough-image.sh /tmp/nginx.tar && a-kube image import /tmp/nginx.tar
`;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)}${units[i]}`;
}

export async function imageCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'data-dir': { type: 'string' }, 'container-runtime-endpoint': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  });
  const [verb, ...rest] = positionals;
  if (values.help || !verb) {
    process.stdout.write(imageUsage);
    return;
  }
  const dataDir = resolve(values['data-dir'] ?? join(homedir(), '.a-kube'));
  const endpoint = values['container-runtime-endpoint'];
  const socket = endpoint ? endpoint.replace(/^unix:\/\//, '') : containerdPaths(dataDir).socket;
  if (!existsSync(socket)) fail(`no containerd socket at ${socket}: start "a-kube up --data-dir ${dataDir}" first (or pass --container-runtime-endpoint)`);
  const cri = new CriClient({ endpoint: socket, timeoutMs: 30_000 });
  try {
    switch (verb) {
      case 'import': {
        if (rest.length === 0) fail('image import needs at least one archive file');
        for (const file of rest) {
          if (!existsSync(file)) fail(`${file}: no such file`);
          const names = await importImageArchive({ socket, archive: resolve(file) }).catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
          process.stdout.write(names.length ? names.map((n) => `imported ${n}\n`).join('') : `imported ${file}\n`);
        }
        return;
      }
      case 'ls':
      case 'list': {
        const images = await cri.listImages();
        const rows = [['IMAGE', 'TAG', 'IMAGE ID', 'SIZE']];
        for (const img of images) {
          const tags = img.repo_tags.length ? img.repo_tags : [`${img.repo_digests[0]?.split('@')[0] ?? '<none>'}:<none>`];
          for (const t of tags) {
            const cut = t.lastIndexOf(':');
            rows.push([t.slice(0, cut), t.slice(cut + 1), img.id.replace(/^sha256:/, '').slice(0, 13), humanSize(Number(img.size))]);
          }
        }
        rows.sort((a, b) => (a === rows[0] ? -1 : b === rows[0] ? 1 : (a[0] ?? '').localeCompare(b[0] ?? '')));
        const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
        process.stdout.write(rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd((widths[i] ?? 0) + 3))).join('')).join('\n') + '\n');
        return;
      }
      case 'rm':
      case 'remove': {
        if (rest.length === 0) fail('image rm needs at least one image');
        for (const ref of rest) {
          const img = await cri.imageStatus(ref);
          if (!img) fail(`image "${ref}" not found`);
          await cri.removeImage(ref);
          process.stdout.write(`Deleted: ${img.id}\n`);
        }
        return;
      }
      default:
        fail(`unknown image command "${verb}": use import, ls or rm`);
    }
  } finally {
    cri.close();
  }
}
