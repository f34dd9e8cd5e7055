import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPrinter, createWatchTablePrinter, jsonPathResults, PrinterError } from '../../../../src/cli/printers/index.js';
import type { Table } from '../../../../src/cli/printers/index.js';
import { formatColumns } from '../../../../src/cli/printers/tabwriter.js';
import { compareYamlKeys, toYaml } from '../../../../src/cli/printers/yaml.js';

const capture = () => {
  const sink = { text: '', write: (s: string) => void (sink.text += s) };
  return sink;
};

test('tabwriter: minimum width 6, padding 3, last cell unpadded, short lines end a block', () => {
  const cases: { input: string; want: string }[] = [
    { input: 'A\tB\n1\t2\n', want: 'A     B\n1     2\n' },
    { input: 'LONGNAME\tX\na\tb\n', want: 'LONGNAME   X\na          b\n' },
    { input: 'a\tb\tc\n\nlong-long-long\td\te\n', want: 'a     b     c\n\nlong-long-long   d     e\n' },
    { input: 'héllo\tx\nh\ty\n', want: 'héllo   x\nh       y\n' },
    { input: 'a\t\nbb\t\n', want: 'a     \nbb    \n' },
  ];
  for (const c of cases) assert.equal(formatColumns(c.input), c.want, JSON.stringify(c.input));
});

test('yaml keys sort as go-yaml v2 does (checked against kubectl 1.32)', () => {
  const keys = ['a10', 'a9', 'b', 'A', '_u', '1', 'a-b', 'ab'];
  assert.deepEqual([...keys].sort(compareYamlKeys), ['_u', '1', 'A', 'a-b', 'a9', 'a10', 'ab', 'b']);
});

test('yaml of an empty map and list', () => {
  assert.equal(toYaml({}), '{}\n');
  assert.equal(toYaml({ a: [], b: {}, c: [[], [1]] }), 'a: []\nb: {}\nc:\n- []\n- - 1\n');
});

const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns-1' },
  ...extra,
});

test('printObjects: one object prints bare, asList wraps it in a List', () => {
  const bare = capture();
  createPrinter({ output: 'yaml' }).printObjects([pod('a')], bare);
  assert.equal(bare.text, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: ns-1\n');
  const listed = capture();
  createPrinter({ output: 'yaml' }).printObjects([pod('a')], listed, { asList: true });
  assert.equal(
    listed.text,
    'apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a\n    namespace: ns-1\nkind: List\nmetadata:\n  resourceVersion: ""\n',
  );
});

test('printObjects: several objects without a list are separate YAML documents', () => {
  const out = capture();
  createPrinter({ output: 'yaml' }).printObjects([pod('a'), pod('b')], out, { asList: false });
  assert.equal(out.text.split('---\n').length, 2);
});

test('printObjects: an empty list prints an empty List', () => {
  const out = capture();
  createPrinter({ output: 'json' }).printObjects([], out);
  assert.equal(out.text, '{\n    "apiVersion": "v1",\n    "items": [],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n');
});

test('sort-by orders objects, missing values first, and rejects a path no object has', () => {
  const objs = [pod('c', { spec: { priority: 3 } }), pod('a'), pod('b', { spec: { priority: 1 } })];
  const out = capture();
  createPrinter({ output: 'name', sortBy: '{.spec.priority}' }).printObjects(objs, out);
  assert.equal(out.text, 'pod/a\npod/b\npod/c\n');
  assert.throws(
    () => createPrinter({ output: 'name', sortBy: '.nope' }).printObjects(objs, capture()),
    (e: unknown) => e instanceof PrinterError && e.message === 'couldn\'t find any field with path "{.nope}" in the list of objects',
  );
});

const table: Table = {
  kind: 'Table',
  apiVersion: 'meta.k8s.io/v1',
  metadata: {},
  columnDefinitions: [
    { name: 'Name', type: 'string', format: 'name', description: '', priority: 0 },
    { name: 'Status', type: 'string', format: '', description: '', priority: 0 },
  ],
  rows: [
    { cells: ['web-2', 'Running'], object: { metadata: { name: 'web-2', creationTimestamp: '2024-01-02T00:00:00Z' } } },
    { cells: ['web-10', 'Pending'], object: { metadata: { name: 'web-10', creationTimestamp: '2024-01-01T00:00:00Z' } } },
  ],
};

test('printTable sorts rows by their objects with --sort-by', () => {
  const out = capture();
  createPrinter({ sortBy: '.metadata.creationTimestamp' }).printTable([{ resourceKind: 'pod', table }], out);
  assert.equal(out.text, 'NAME     STATUS\nweb-10   Pending\nweb-2    Running\n');
});

test('printTable refuses non-table formats and says when nothing was found', () => {
  assert.throws(() => createPrinter({ output: 'yaml' }).printTable([], capture()), PrinterError);
  const err = capture();
  createPrinter({ allNamespaces: true }).printTable([{ resourceKind: 'pod', table: { ...table, rows: [] } }], capture(), err);
  assert.equal(err.text, 'No resources found\n');
});

test('watch form prints the header once and an EVENT column with --output-watch-events', () => {
  const out = capture();
  const watch = createWatchTablePrinter(
    { wide: false, noHeaders: false, showLabels: false, labelColumns: [], allNamespaces: false, showKind: false, outputWatchEvents: true },
    out,
  );
  const one = (i: number): Table => ({ ...table, rows: [table.rows[i] as Table['rows'][number]] });
  watch.printEvent('ADDED', { resourceKind: 'pod', table: one(0) });
  watch.printEvent('MODIFIED', { resourceKind: 'pod', table: one(1) });
  // Each event is flushed on its own; later rows widen columns but earlier lines stay as printed.
  assert.equal(out.text, 'EVENT   NAME    STATUS\nADDED   web-2   Running\nMODIFIED   web-10   Pending\n');
});

test('jsonPathResults returns one array per expression, empty for missing fields', () => {
  const data = { items: [{ n: 'a' }, { n: 'b' }] };
  assert.deepEqual(jsonPathResults('{.items[*].n}', data), [['a', 'b']]);
  assert.deepEqual(jsonPathResults('{.nope}', data), [[]]);
  assert.throws(() => jsonPathResults('{.nope}', data, false), PrinterError);
});

test('unknown -o values and missing templates fail as kubectl does', () => {
  const cases: { output: string; message: string }[] = [
    {
      output: 'foo',
      message:
        'unable to match a printer suitable for the output format "foo", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml',
    },
    { output: 'go-template', message: 'template format specified but no template given' },
    { output: 'custom-columns=', message: 'custom-columns format specified but no custom columns given' },
    { output: 'custom-columns=NAME', message: 'unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>' },
    { output: 'jsonpath-file=/nonexistent/x', message: 'error reading --template /nonexistent/x, open /nonexistent/x: no such file or directory\n' },
  ];
  for (const c of cases) {
    assert.throws(() => createPrinter({ output: c.output }), (e: unknown) => e instanceof PrinterError && e.message === c.message, c.output);
  }
});
