// How big a container's log file may grow and how many files of it are kept, as the kubelet's
// --container-log-max-size and --container-log-max-files set them (defaults 10Mi and 5).
import { parseQuantity } from '../../api/validation/quantity.js';

export interface LogRotationPolicy {
  /** A log file at or above this many bytes is rotated. */
  maxSizeBytes: number;
  /** Files per container log, the one being written included (at least 2). */
  maxFiles: number;
}

export const defaultLogRotationPolicy: LogRotationPolicy = { maxSizeBytes: 10 * 2 ** 20, maxFiles: 5 };

/** Reads the two flags; an error names the flag and what it accepts. */
export function parseLogRotationFlags(maxSize: string | undefined, maxFiles: string | undefined): LogRotationPolicy | { error: string } {
  let maxSizeBytes = defaultLogRotationPolicy.maxSizeBytes;
  if (maxSize !== undefined) {
    const v = parseQuantity(maxSize);
    if (v === undefined || !Number.isFinite(v) || v < 1 || v > Number.MAX_SAFE_INTEGER) return { error: `invalid --container-log-max-size "${maxSize}": use a size in bytes such as 10Mi, 500Ki or 1G` };
    maxSizeBytes = Math.ceil(v);
  }
  let files = defaultLogRotationPolicy.maxFiles;
  if (maxFiles !== undefined) {
    const n = Number(maxFiles);
    if (!/^\d+$/.test(maxFiles.trim()) || !Number.isSafeInteger(n) || n < 2) return { error: `invalid --container-log-max-files "${maxFiles}": use a whole number of 2 or more (the file being written and at least one rotated file)` };
    files = n;
  }
  return { maxSizeBytes, maxFiles: files };
}
