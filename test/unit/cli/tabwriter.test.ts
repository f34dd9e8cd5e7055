import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTabbed, tabulate } from '../../../src/cli/tabwriter.js';

test('tabulate pads every cell but the last (kubectl: minwidth 6, padding 3)', () => {
  assert.equal(
    tabulate([
      ['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE'],
      ['*', 'ctx1', 'c1', 'u1', 'ns-a'],
    ]),
    'CURRENT   NAME   CLUSTER   AUTHINFO   NAMESPACE\n*         ctx1   c1        u1         ns-a\n',
  );
});

test('formatTabbed aligns each column block separately (describe: padding 2)', () => {
  const text = 'Name:\tx\nLabels:\ta=b\n\tc=d\nData\n====\nk:\tv\n';
  assert.equal(formatTabbed(text, { minwidth: 0, padding: 2 }), 'Name:    x\nLabels:  a=b\n         c=d\nData\n====\nk:  v\n');
});
