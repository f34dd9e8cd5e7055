// Bundles the web console for browsers (src/console/ui → dist/console/): one script and one stylesheet named by
// content hash, and an index.html that loads them (no inline script or style, so a strict CSP holds). Cytoscape adds
// a <style> element unless one with its id exists: the stylesheet link carries that id and the rule it would add.
import { build } from 'esbuild';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export async function bundleConsole(root) {
  const outdir = join(root, 'dist/console');
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(root, 'src/console/ui/main.ts'), style: join(root, 'src/console/ui/console.css') },
    outdir,
    bundle: true,
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    format: 'esm',
    minify: true,
    sourcemap: 'linked',
    entryNames: '[name]-[hash]',
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => p.slice(p.lastIndexOf('/') + 1));
  const js = outputs.find((n) => /^app-[A-Z0-9]+\.js$/i.test(n));
  const css = outputs.find((n) => /^style-[A-Z0-9]+\.css$/i.test(n));
  if (!js || !css) throw new Error(`console bundle: missing outputs in ${outputs.join(', ')}`);
  writeFileSync(
    join(outdir, 'index.html'),
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>a-kube console</title>
<link rel="stylesheet" id="__________cytoscape_stylesheet" href="assets/${css}">
<script type="module" src="assets/${js}"></script>
</head>
<body><div id="app"></div></body>
</html>
`,
  );
  return readdirSync(outdir);
}
