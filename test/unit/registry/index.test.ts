import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalog } from '../../../src/api/catalog.js';
import { defaultTable, strategyFor } from '../../../src/registry/index.js';
import { NOW } from './helpers.js';

test('every catalog resource has a strategy for itself', () => {
  for (const r of catalog) {
    const s = strategyFor(r);
    assert.equal(s.resource, r, `${r.group}/${r.resource}`);
    assert.equal(strategyFor(r), s, 'strategies are cached');
  }
});

test('every table returns one cell per column, even for an empty object', () => {
  for (const r of catalog) {
    const table = strategyFor(r).table ?? defaultTable;
    const cells = table.cells({ metadata: { name: 'x', creationTimestamp: '2024-05-01T11:00:00Z' } }, NOW);
    assert.equal(cells.length, table.columns.length, `${r.group}/${r.resource}`);
    assert.equal(table.columns.filter((c) => c.format === 'name').length, 1, `${r.group}/${r.resource} has one name column`);
  }
});

test('the default table is Name and Created At', () => {
  assert.deepEqual(defaultTable.columns.map((c) => [c.name, c.type, c.format]), [
    ['Name', 'string', 'name'],
    ['Created At', 'date', ''],
  ]);
  assert.deepEqual(defaultTable.cells({ metadata: { name: 'pod-lister', creationTimestamp: '2024-05-01T11:00:00Z' } }, NOW), ['pod-lister', '2024-05-01T11:00:00Z']);
});

test('stored kinds get metadata validation from their strategy', () => {
  for (const r of catalog.filter((x) => x.verbs.includes('get'))) {
    const errs = strategyFor(r).validate({ metadata: {} });
    assert.ok(
      errs.some((e) => e.field === 'metadata.name' && e.type === 'Required'),
      `${r.group}/${r.resource} requires a name`,
    );
  }
});
