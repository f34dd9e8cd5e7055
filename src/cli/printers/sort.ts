// --sort-by: order objects or table rows by the first value a JSONPath selects (kubectl's sorter).

import { relaxedJsonPathExpression } from './custom-columns.js';
import { PrinterError } from './errors.js';
import { jsonPathResults } from './jsonpath/index.js';

function firstValue(expr: string, obj: unknown): { found: boolean; value: unknown } {
  const sets = jsonPathResults(expr, obj, true);
  const first = sets[0];
  if (first === undefined || first.length === 0) return { found: false, value: undefined };
  return { found: true, value: first[0] };
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const as = typeof a === 'string' ? a : JSON.stringify(a);
  const bs = typeof b === 'string' ? b : JSON.stringify(b);
  return as < bs ? -1 : as > bs ? 1 : 0;
}

/** Stable sort of items by `sortBy`; items without the field come first. */
export function sortByJsonPath<T>(items: T[], sortBy: string, objectOf: (item: T) => unknown = (item) => item): T[] {
  const expr = relaxedJsonPathExpression(sortBy);
  const keyed = items.map((item) => ({ item, ...firstValue(expr, objectOf(item)) }));
  if (items.length > 0 && !keyed.some((k) => k.found)) {
    throw new PrinterError(`couldn't find any field with path "${expr}" in the list of objects`);
  }
  keyed.sort((x, y) => {
    if (!x.found || !y.found) return Number(x.found) - Number(y.found);
    return compareValues(x.value, y.value);
  });
  return keyed.map((k) => k.item);
}
