import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseKubeYaml } from '../../../src/client/yaml.js';

const cases: [string, unknown][] = [
  ['e1', 'e1'],
  ['E5', 'E5'],
  ['1e3', 1000],
  ['.5e1', 5],
  ['1.5E-2', 0.015],
  ['yes', true],
  ['"on"', 'on'],
  ['0x1F', 31],
];

for (const [text, value] of cases) {
  test(`YAML 1.1 as Go reads it: ${text}`, async () => {
    assert.deepEqual(await parseKubeYaml(`v: ${text}`), { v: value });
  });
}
