// A small OCI distribution registry for tests: serves the images of OCI layouts or docker archives (tarballs the
// tests already build) over plain HTTP on loopback, read-only, optionally behind HTTP Basic authentication
// (401 with `WWW-Authenticate: Basic` and the distribution error body without valid credentials). Enough of the
// distribution API for containerd to resolve and pull: /v2/, manifests by tag or digest, blobs by digest.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RegistryImage {
  /** The manifest as served (its digest is the image's digest on this registry). */
  manifest: Buffer;
  mediaType: string;
  /** Config and layers by digest (sha256:…). */
  blobs: ReadonlyMap<string, Buffer>;
}

export interface RegistryRequest {
  method: string;
  path: string;
  /** Whether the request carried valid credentials (always true when the registry needs none). */
  authorized: boolean;
}

export interface TestRegistry {
  /** host:port, the first part of an image reference on this registry. */
  host: string;
  /** Every request so far, in order. */
  requests: RegistryRequest[];
  close(): Promise<void>;
}

const ociManifest = 'application/vnd.oci.image.manifest.v1+json';
const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The regular files of a tar archive (ustar and GNU long names), by name without a leading "./". */
function untar(archive: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let longName: string | undefined;
  for (let off = 0; off + 512 <= archive.length; ) {
    const h = archive.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const field = (start: number, len: number) => h.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) throw new Error(`tar: bad size at offset ${off}`);
    const type = field(156, 1) || '0';
    const prefix = field(257, 6).startsWith('ustar') ? field(345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const data = archive.subarray(off + 512, off + 512 + size);
    longName = undefined;
    if (type === 'L') longName = data.toString('utf8').replace(/\0.*$/s, '');
    else if (type === '0') files.set(name.replace(/^(\.\/)+/, ''), data);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

function need(files: Map<string, Buffer>, name: string): Buffer {
  const b = files.get(name);
  if (!b) throw new Error(`image archive: ${name} is missing`);
  return b;
}

/**
 * The first image of an OCI layout tarball (index.json + blobs/sha256/…) or of a docker archive (manifest.json;
 * served with an OCI manifest over its config and uncompressed layers).
 */
export function readImageArchive(file: string): RegistryImage {
  const files = untar(readFileSync(file));
  const index = files.get('index.json');
  if (index) {
    const desc = (JSON.parse(index.toString()) as { manifests?: { digest?: string; mediaType?: string }[] }).manifests?.[0];
    if (!desc?.digest) throw new Error('image archive: index.json names no manifest');
    const blobs = new Map<string, Buffer>();
    for (const [name, data] of files) if (name.startsWith('blobs/sha256/')) blobs.set(`sha256:${name.slice('blobs/sha256/'.length)}`, data);
    const manifest = blobs.get(desc.digest);
    if (!manifest) throw new Error(`image archive: the manifest blob ${desc.digest} is missing`);
    return { manifest, mediaType: desc.mediaType ?? ociManifest, blobs };
  }
  const entry = (JSON.parse(need(files, 'manifest.json').toString()) as { Config: string; Layers: string[] }[])[0];
  if (!entry) throw new Error('image archive: manifest.json is empty');
  const config = need(files, entry.Config);
  const layers = entry.Layers.map((l) => need(files, l));
  const blobs = new Map([config, ...layers].map((b) => [digestOf(b), b] as const));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: ociManifest,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(l), size: l.length })),
    }),
  );
  return { manifest, mediaType: ociManifest, blobs };
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ errors: [{ code, message, detail: null }] });
}

/**
 * Starts the registry on 127.0.0.1 (a free port). `images` maps "repository:tag" to an image; with `credentials`
 * every /v2/ request needs them.
 */
export async function startRegistry(o: { images: Record<string, RegistryImage>; credentials?: { username: string; password: string } }): Promise<TestRegistry> {
  const byRepo = new Map<string, { tags: Map<string, RegistryImage>; digests: Map<string, RegistryImage> }>();
  for (const [ref, image] of Object.entries(o.images)) {
    const cut = ref.lastIndexOf(':');
    const repo = ref.slice(0, cut);
    const r = byRepo.get(repo) ?? { tags: new Map(), digests: new Map() };
    r.tags.set(ref.slice(cut + 1), image);
    r.digests.set(digestOf(image.manifest), image);
    byRepo.set(repo, r);
  }
  const expected = o.credentials ? `Basic ${Buffer.from(`${o.credentials.username}:${o.credentials.password}`).toString('base64')}` : undefined;
  const requests: RegistryRequest[] = [];

  function answer(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://registry').pathname;
    const authorized = !expected || req.headers.authorization === expected;
    requests.push({ method: req.method ?? '', path, authorized });
    const send = (status: number, body: Buffer | string, headers: Record<string, string | number> = {}) => {
      const b = typeof body === 'string' ? Buffer.from(body) : body;
      res.writeHead(status, { 'Docker-Distribution-API-Version': 'registry/2.0', 'Content-Length': b.length, ...headers });
      res.end(req.method === 'HEAD' ? undefined : b);
    };
    const json = { 'Content-Type': 'application/json' };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, errorBody('UNSUPPORTED', 'The operation is unsupported.'), json);
    if (!path.startsWith('/v2/')) return send(404, '404 page not found\n', { 'Content-Type': 'text/plain' });
    if (!authorized) {
      return send(401, errorBody('UNAUTHORIZED', 'authentication required'), { ...json, 'WWW-Authenticate': 'Basic realm="a-kube test registry"' });
    }
    if (path === '/v2/') return send(200, '{}', json);
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(path);
    const repo = m ? byRepo.get(m[1] ?? '') : undefined;
    if (!m || !repo) return send(404, errorBody('NAME_UNKNOWN', 'repository name not known to registry'), json);
    const ref = m[3] ?? '';
    if (m[2] === 'manifests') {
      const image = repo.tags.get(ref) ?? repo.digests.get(ref);
      if (!image) return send(404, errorBody('MANIFEST_UNKNOWN', 'manifest unknown'), json);
      return send(200, image.manifest, { 'Content-Type': image.mediaType, 'Docker-Content-Digest': digestOf(image.manifest) });
    }
    for (const image of repo.digests.values()) {
      const blob = image.blobs.get(ref);
      if (blob) return send(200, blob, { 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': ref });
    }
    return send(404, errorBody('BLOB_UNKNOWN', 'blob unknown to registry'), json);
  }

  const server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
