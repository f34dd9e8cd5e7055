// The comparisons of JSONPath filters: client-go's fork of text/template's eq/lt helpers. Integers and
// floats are different kinds there, so `@.n == 1.0` against an integer fails as in kubectl.

type BasicKind = 'bool' | 'int' | 'float' | 'string';

export interface FilterOperand {
  value: unknown;
  /** Literals from the template keep their own kind (`1` is int, `1.0` float). */
  kind?: BasicKind;
}

export class FilterCompareError extends Error {
  override name = 'FilterCompareError';
}

function basicKind(operand: FilterOperand): BasicKind {
  if (operand.kind) return operand.kind;
  const v = operand.value;
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  throw new FilterCompareError('invalid type for comparison');
}

function equal(a: FilterOperand, b: FilterOperand): boolean {
  const ka = basicKind(a);
  const kb = basicKind(b);
  if (ka !== kb) throw new FilterCompareError('incompatible types for comparison');
  return a.value === b.value;
}

function less(a: FilterOperand, b: FilterOperand): boolean {
  const ka = basicKind(a);
  if (ka === 'bool') throw new FilterCompareError('invalid type for comparison');
  const kb = basicKind(b);
  if (ka !== kb) throw new FilterCompareError('incompatible types for comparison');
  return (a.value as number | string) < (b.value as number | string);
}

export function compareFilter(operator: string, left: FilterOperand, right: FilterOperand): boolean {
  switch (operator) {
    case '==':
      return equal(left, right);
    case '!=':
      return !equal(left, right);
    case '<':
      return less(left, right);
    case '>':
      return !less(left, right) && !equal(left, right);
    case '<=':
      return less(left, right) || equal(left, right);
    case '>=':
      return !less(left, right);
    default:
      throw new FilterCompareError(`unrecognized filter operator ${operator}`);
  }
}
