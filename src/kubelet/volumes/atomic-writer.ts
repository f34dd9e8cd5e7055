// Writes a volume's files the way the kubelet's AtomicWriter does, so a reader never sees half an update:
// the payload goes into a fresh hidden directory `..<timestamp>`, the symlink `..data` is swapped to it with one
// rename, and each top-level name is a symlink through `..data` (token -> ..data/token).
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';

export interface VolumeFile {
  /** Relative path inside the volume (validated: no "..", not absolute). */
  path: string;
  data: Buffer;
  mode: number;
}

const dataLink = '..data';

/** A relative path that stays inside the volume, or an error message. */
export function checkRelativePath(p: string): string | undefined {
  if (!p) return 'must not be empty';
  if (p.startsWith('/')) return 'must be a relative path';
  if (p.split('/').some((part) => part === '..')) return "must not contain '..'";
  if (p.startsWith('..')) return "must not start with '..'";
  return undefined;
}

function currentPayload(dir: string): Map<string, { data: Buffer; mode: number }> | undefined {
  const link = join(dir, dataLink);
  if (!existsSync(link)) return undefined;
  const out = new Map<string, { data: Buffer; mode: number }>();
  const base = join(dir, readlinkSync(link));
  const walk = (rel: string) => {
    for (const name of readdirSync(join(base, rel))) {
      const r = rel ? join(rel, name) : name;
      const st = lstatSync(join(base, r));
      if (st.isDirectory()) walk(r);
      else out.set(r, { data: readFileSync(join(base, r)), mode: st.mode & 0o777 });
    }
  };
  walk('');
  return out;
}

function samePayload(files: VolumeFile[], cur: Map<string, { data: Buffer; mode: number }> | undefined): boolean {
  if (!cur || cur.size !== files.length) return false;
  return files.every((f) => {
    const c = cur.get(normalize(f.path));
    return c !== undefined && c.mode === f.mode && c.data.equals(f.data);
  });
}

/** Writes the payload if it differs from what is there; returns whether it wrote. */
export function writeAtomic(dir: string, files: VolumeFile[], now = Date.now()): boolean {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const cur = currentPayload(dir);
  if (samePayload(files, cur)) return false;
  const stamp = `..${new Date(now).toISOString().replace(/[-:]/g, '_')}.${process.pid}${Math.random().toString(36).slice(2, 8)}`;
  const target = join(dir, stamp);
  mkdirSync(target, { mode: 0o755 });
  for (const f of files) {
    const p = join(target, f.path);
    mkdirSync(dirname(p), { recursive: true, mode: 0o755 });
    writeFileSync(p, f.data, { mode: f.mode });
    chmodSync(p, f.mode);
  }
  const previous = existsSync(join(dir, dataLink)) ? readlinkSync(join(dir, dataLink)) : undefined;
  const tmpLink = join(dir, `..data_tmp`);
  rmSync(tmpLink, { force: true });
  symlinkSync(stamp, tmpLink);
  renameSync(tmpLink, join(dir, dataLink));
  // Top-level names point through ..data; names that are gone are removed.
  const top = new Set(files.map((f) => f.path.split(sep)[0] ?? f.path));
  for (const name of top) {
    const link = join(dir, name);
    let ok = false;
    try {
      ok = lstatSync(link).isSymbolicLink() && readlinkSync(link) === join(dataLink, name);
    } catch {
      ok = false;
    }
    if (!ok) {
      rmSync(link, { recursive: true, force: true });
      symlinkSync(join(dataLink, name), link);
    }
  }
  for (const name of readdirSync(dir)) {
    if (name.startsWith('..')) continue;
    if (!top.has(name)) rmSync(join(dir, name), { recursive: true, force: true });
  }
  if (previous && previous !== stamp) rmSync(join(dir, previous), { recursive: true, force: true });
  return true;
}
