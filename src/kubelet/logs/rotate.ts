// Rotation of one container's log file, as the kubelet's container log manager does it: when the file has reached
// the size limit, it is renamed to `<log>.<UTC YYYYMMDD-hhmmss>` and the runtime is asked (CRI ReopenContainerLog)
// to write a new file at the old path. Before that, rotated files beyond what the policy keeps are removed, oldest
// first, and every rotated file but the newest is gzip-compressed (`.gz`, written as `.tmp` and renamed). So a
// container's log never has more than maxFiles files: the one being written, the newest rotated file kept plain
// (a `kubectl logs -f` that started before the rotation may still be reading it) and maxFiles-2 compressed ones.
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { LogRotationPolicy } from './policy.js';

const compressSuffix = '.gz';
const tmpSuffix = '.tmp';

export interface RotationDeps {
  /** CRI ReopenContainerLog: the runtime closes the container's log file and opens a new one at its path. */
  reopen(containerId: string): Promise<void>;
  /** Epoch milliseconds; names the rotated file. */
  now(): number;
}

export type RotationOutcome = 'rotated' | 'below-limit' | 'recovered';

export class LogRotationError extends Error {
  override name = 'LogRotationError';
}

/** `20261203-071502`: the kubelet's rotated-file stamp, in UTC. */
export function rotationStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** Oldest first: by stamp, a compressed file ordered as its plain name (the stamp is all that differs). */
function byAge(a: string, b: string): number {
  const x = a.endsWith(compressSuffix) ? a.slice(0, -compressSuffix.length) : a;
  const y = b.endsWith(compressSuffix) ? b.slice(0, -compressSuffix.length) : b;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The rotated files of a log (`<log>.*`), full paths, oldest first. */
export async function rotatedFiles(logPath: string): Promise<string[]> {
  const prefix = `${basename(logPath)}.`;
  const names = await readdir(dirname(logPath)).catch(() => [] as string[]);
  return names.filter((n) => n.startsWith(prefix) && n.length > prefix.length).map((n) => join(dirname(logPath), n)).sort(byAge);
}

/** Leftovers of an interrupted compression: `.tmp` files, and plain files whose `.gz` is complete. */
async function removeUnused(files: string[]): Promise<string[]> {
  const kept: string[] = [];
  const all = new Set(files);
  for (const f of files) {
    if (f.endsWith(tmpSuffix) || (!f.endsWith(compressSuffix) && all.has(f + compressSuffix))) await rm(f, { force: true });
    else kept.push(f);
  }
  return kept;
}

/** Removes the oldest rotated files so that maxFiles-2 remain (the new file and the one rotated now make maxFiles). */
async function removeExcess(files: string[], maxFiles: number): Promise<string[]> {
  const keep = Math.max(0, maxFiles - 2);
  const excess = files.length - keep;
  for (const f of files.slice(0, Math.max(0, excess))) await rm(f, { force: true });
  return files.slice(Math.max(0, excess));
}

export async function compressLogFile(file: string): Promise<void> {
  const tmp = `${file}${tmpSuffix}`;
  try {
    await pipeline(createReadStream(file), createGzip(), createWriteStream(tmp, { mode: 0o644 }));
    await rename(tmp, file + compressSuffix);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await rm(file, { force: true });
}

/** Renames the log aside and has the runtime reopen it; when the runtime cannot, the name is given back. */
async function rotateLatest(containerId: string, logPath: string, deps: RotationDeps): Promise<void> {
  const stamp = rotationStamp(deps.now());
  let rotated = `${logPath}.${stamp}`;
  // Two rotations within one second (a tiny limit and a fast writer) get distinct names that still sort by age.
  for (let n = 1; (await stat(rotated).catch(() => undefined)) || (await stat(rotated + compressSuffix).catch(() => undefined)); n++) rotated = `${logPath}.${stamp}-${n}`;
  await rename(logPath, rotated);
  try {
    await deps.reopen(containerId);
  } catch (e) {
    // Back under its name, so that the next round tries again and no line is lost meanwhile.
    await rename(rotated, logPath).catch(() => undefined);
    throw new LogRotationError(`reopening the log of container ${containerId}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/**
 * Rotates one running container's log when it has reached the policy's size. A missing log file (a rotation whose
 * reopen failed half-way) is recovered by asking the runtime to reopen it.
 */
export async function rotateIfNeeded(containerId: string, logPath: string, policy: LogRotationPolicy, deps: RotationDeps): Promise<RotationOutcome> {
  let size = (await stat(logPath).catch(() => undefined))?.size;
  let recovered = false;
  if (size === undefined) {
    try {
      await deps.reopen(containerId);
    } catch (e) {
      throw new LogRotationError(`the log ${logPath} of container ${containerId} is missing and reopening it failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    size = (await stat(logPath).catch(() => undefined))?.size;
    if (size === undefined) throw new LogRotationError(`the log ${logPath} of container ${containerId} is still missing after reopening it`);
    recovered = true;
  }
  if (size < policy.maxSizeBytes) return recovered ? 'recovered' : 'below-limit';
  let files = await removeUnused(await rotatedFiles(logPath));
  files = await removeExcess(files, policy.maxFiles);
  for (const f of files) if (!f.endsWith(compressSuffix)) await compressLogFile(f);
  await rotateLatest(containerId, logPath, deps);
  return 'rotated';
}
