// Runs the test suites with node:test. Node 20 does not expand globs, so the files are listed here.
// Usage: node scripts/test.mjs [unit|e2e] [extra node --test flags]
import { readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const which = process.argv[2] && !process.argv[2].startsWith('-') ? [process.argv[2]] : ['unit', 'e2e'];
const extra = process.argv.slice(which.length === 1 && process.argv[2] === which[0] ? 3 : 2);

function find(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

let status = 0;
for (const kind of which) {
  const files = find(join(root, 'test', kind));
  if (files.length === 0) continue;
  // e2e suites start real servers: run them one file at a time.
  const concurrency = kind === 'e2e' ? ['--test-concurrency=1'] : [];
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...concurrency, ...extra, ...files], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) status = r.status ?? 1;
}
process.exit(status);
