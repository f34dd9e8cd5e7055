// The YAML nesting bound: never below the real depth, linear, and a body past it never reaches the parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { exceedsDepth } from '../../../src/api/json-depth.js';
import { yamlMayNestDeeperThan } from '../../../src/api/yaml-depth.js';

const flowObject = (n: number) => '{"a":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1);
const blockMaps = (n: number) => Array.from({ length: n }, (_, i) => `${' '.repeat(i * 2)}k${i}:`).join('\n') + ' x\n';
const dashes = (n: number) => '- '.repeat(n) + 'x\n';

test('the bound is never below the depth the parser finds', () => {
  const docs = [
    flowObject(40),
    blockMaps(30),
    dashes(50),
    `a:\n\n  # a comment at column 0 follows\n# here\n  b:\n    - - [1, {c: [2]}]\n`,
    `s: "quoted [[[ { not nesting"\nt: 'it''s [ also not'\nu: x # a comment [[[\n`,
    `list:\n- a: 1\n  b:\n    c: [1, 2]\n`,
  ];
  for (const doc of docs) {
    const value = parse(doc, { version: '1.1' });
    let depth = 0;
    while (exceedsDepth(value, depth)) depth++;
    assert.equal(yamlMayNestDeeperThan(doc, depth - 1), true, `${JSON.stringify(doc.slice(0, 60))} nests ${depth}`);
  }
});

test('ordinary manifests stay far under the limit; quoted and commented brackets do not count', () => {
  const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {app: web}\ndata:\n  x: "[[[[[[[[[["\n  # {{{{{{{{\n';
  assert.equal(yamlMayNestDeeperThan(manifest, 4), false);
  assert.equal(yamlMayNestDeeperThan(flowObject(1000), 1000), false);
  assert.equal(yamlMayNestDeeperThan(flowObject(1001), 1000), true);
  assert.equal(yamlMayNestDeeperThan(dashes(1001), 1000), true);
});

test('a body nested 20,000 deep is refused before any parser sees it', () => {
  assert.equal(yamlMayNestDeeperThan(`x: ${flowObject(20_000)}`, 1000), true);
  assert.equal(yamlMayNestDeeperThan(flowObject(20_000), 1000), true);
  // long documents that do not nest do not add up
  const items = Array.from({ length: 5000 }, (_, i) => `- name: item${i}\n  value: {a: [${i}]}`).join('\n');
  assert.equal(yamlMayNestDeeperThan(`list:\n${items}\n`, 10), false);
  assert.equal(yamlMayNestDeeperThan(Array.from({ length: 5000 }, (_, i) => `k${i}: v`).join('\n'), 3), false);
});
