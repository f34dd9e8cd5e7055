// Replays output captured from the real kubectl 1.32 (golden/*.json) through our printers.
// kubectl-label-local.json: `kubectl label -f <file> --local zz=d -o <output>` per case;
// kubectl-get.json: `kubectl get …` against a loopback fake API server serving the stored Tables/lists.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createPrinter, PrinterError } from '../../../../src/cli/printers/index.js';
import type { PrintOptions, TableInput } from '../../../../src/cli/printers/index.js';

interface Sink {
  text: string;
  write(s: string): void;
}
const sink = (): Sink => ({ text: '', write(s: string) { this.text += s; } });

function run(print: (out: Sink, err: Sink) => void): { stdout: string; stderr: string } {
  const out = sink();
  const err = sink();
  try {
    print(out, err);
  } catch (e) {
    if (!(e instanceof PrinterError)) throw e;
    err.write(`error: ${e.message}${e.message.endsWith('\n') ? '' : '\n'}`);
  }
  return { stdout: out.text, stderr: err.text };
}

const here = new URL('./golden/', import.meta.url);

interface ObjectGolden {
  source: string;
  object: Record<string, unknown>;
  cases: { output: string; stdout: string; stderr: string }[];
}
const objectGolden = JSON.parse(readFileSync(new URL('kubectl-label-local.json', here), 'utf8')) as ObjectGolden[];
for (const set of objectGolden) {
  for (const c of set.cases) {
    test(`${set.source} -o ${c.output}`, () => {
      const got = run((out) => createPrinter({ output: c.output, genericOnly: true }).printObjects([set.object], out));
      assert.deepEqual(got, { stdout: c.stdout, stderr: c.stderr });
    });
  }
}

interface GetGolden {
  args: string[];
  opts: PrintOptions;
  tables?: TableInput[];
  objects?: Record<string, unknown>[];
  stdout: string;
  stderr: string;
  /** Files the case reads (custom-columns-file=…), created in a temporary directory that `$TMP` names. */
  files?: Record<string, string>;
}
const getGolden = JSON.parse(readFileSync(new URL('kubectl-get.json', here), 'utf8')) as GetGolden[];
for (const c of getGolden) {
  test(`kubectl ${c.args.join(' ')}`, () => {
    const dir = c.files ? mkdtempSync(join(tmpdir(), 'akube-golden-')) : undefined;
    try {
      for (const [name, text] of Object.entries(c.files ?? {})) writeFileSync(join(dir ?? '', name), text);
      const opts = dir && c.opts.output ? { ...c.opts, output: c.opts.output.replaceAll('$TMP', dir) } : c.opts;
      const got = run((out, err) => {
        const printer = createPrinter(opts);
        if (c.tables) printer.printTable(c.tables, out, err);
        else printer.printObjects(c.objects ?? [], out);
      });
      assert.deepEqual(got, { stdout: c.stdout, stderr: c.stderr });
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });
}
