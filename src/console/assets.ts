// The console's browser files, bundled at build time into dist/console/ (scripts/build.mjs): index.html names the
// bundles by content hash, so they are cached for a year and index.html is revalidated every time.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
  /** Named by content hash: never changes under this name. */
  immutable: boolean;
}

export interface Assets {
  /** index.html, or undefined when the console was not built. */
  index: Asset | undefined;
  get(name: string): Asset | undefined;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

export function asset(name: string, body: Buffer): Asset {
  return {
    body,
    contentType: contentTypes[extname(name)] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    immutable: /-[A-Z0-9]{8}\.(js|css)(\.map|\.LEGAL\.txt)?$/.test(name),
  };
}

/** Assets from memory (tests) or files. */
export function assetsFrom(files: Record<string, Buffer | string>): Assets {
  const map = new Map<string, Asset>();
  for (const [name, body] of Object.entries(files)) map.set(name, asset(name, Buffer.isBuffer(body) ? body : Buffer.from(body)));
  return { index: map.get('index.html'), get: (name) => (name === 'index.html' ? undefined : map.get(name)) };
}

/** Where the build put the console: beside the bundle (dist/, dist/chunks/) or, from source, in the checkout's dist/. */
export function findAssetDir(): string | undefined {
  for (const rel of ['./console/', '../console/', '../../dist/console/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

/** Every file of the built console, read once (a few hundred KB). */
export function loadAssets(dir = findAssetDir()): Assets {
  if (!dir) return assetsFrom({});
  const files: Record<string, Buffer> = {};
  for (const name of readdirSync(dir)) if (/^[A-Za-z0-9._-]+$/.test(name)) files[name] = readFileSync(join(dir, name));
  return assetsFrom(files);
}
