// Bundles the two executables into dist/ and copies the generated API data beside them.
import { build } from 'esbuild';
import { cpSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
mkdirSync(join(root, 'dist'), { recursive: true });
await build({
  entryPoints: { 'a-kube': join(root, 'src/cmd/a-kube.ts'), 'a-kubectl': join(root, 'src/cmd/a-kubectl.ts') },
  outdir: join(root, 'dist'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
cpSync(join(root, 'src/api/generated'), join(root, 'dist/generated'), { recursive: true });
