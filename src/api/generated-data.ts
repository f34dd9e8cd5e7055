// Loads the JSON documents generated into src/api/generated/ (copied to dist/generated/ by the build).
// They are read lazily from disk so that a CLI start-up that never needs them does not pay for them.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const candidates = [join(here, 'generated'), join(here, '../src/api/generated'), join(here, '../../src/api/generated')];
const cache = new Map<string, unknown>();

export function loadGenerated<T>(file: string): T {
  const hit = cache.get(file);
  if (hit !== undefined) return hit as T;
  for (const dir of candidates) {
    const p = join(dir, file);
    if (existsSync(p)) {
      const value = JSON.parse(readFileSync(p, 'utf8')) as T;
      cache.set(file, value);
      return value;
    }
  }
  throw new Error(`generated data file ${file} not found (looked in ${candidates.join(', ')}); run "npm run build"`);
}
