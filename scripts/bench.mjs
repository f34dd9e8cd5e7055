// Runs one benchmark: `npm run bench -- NAME [args]` runs bench/NAME.ts with tsx and passes the args on.
// Without a NAME, or with an unknown one, lists the benchmarks in bench/.
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const available = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => f.slice(0, -'.ts'.length))
  .sort();
const [name, ...args] = process.argv.slice(2);

if (!name || name === '-h' || name === '--help' || !available.includes(name)) {
  if (name && name !== '-h' && name !== '--help') process.stderr.write(`bench: no benchmark named "${name}"\n`);
  process.stderr.write(`usage: npm run bench -- NAME [args]\navailable: ${available.join(', ') || '(none)'}\n`);
  process.exit(name && name !== '-h' && name !== '--help' ? 2 : 0);
}

const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', `${name}.ts`), ...args], { stdio: 'inherit', cwd: root });
// Pass Ctrl-C and termination on, so the benchmark can stop the servers it started.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
