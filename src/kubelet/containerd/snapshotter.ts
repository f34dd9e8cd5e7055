// Whether overlayfs works for containerd's root (it does not on some nested or exotic file systems); native
// (full copies) is the slow but universal fallback.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export function overlaySupported(parentDir: string): boolean {
  mkdirSync(parentDir, { recursive: true });
  const dir = mkdtempSync(join(parentDir, 'overlay-check-'));
  try {
    for (const d of ['lower', 'upper', 'work', 'merged']) mkdirSync(join(dir, d));
    const r = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${join(dir, 'lower')},upperdir=${join(dir, 'upper')},workdir=${join(dir, 'work')}`, join(dir, 'merged')], { stdio: 'ignore', timeout: 10_000 });
    if (r.status !== 0) return false;
    spawnSync('umount', [join(dir, 'merged')], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
