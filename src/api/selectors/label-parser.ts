// The label selector string syntax (apimachinery labels.Parse), e.g. "app=x,tier in (a,b),!canary".
import { tokenize, type Token, type TokenKind } from './label-lexer.js';
import { binaryOperatorList, newRequirement, sortByKey, validateLabelKey, type LabelOperator, type LabelRequirement, type LabelSelector } from './labels.js';
import { SelectorError } from './selector-error.js';

/** Inside value positions "in" and "notin" are plain identifiers ("a in (in)"). */
type Context = 'keyAndOperator' | 'values';

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  private at(i: number, context: Context): Token {
    const t = this.tokens[i] ?? { kind: 'EndOfString', literal: '' };
    if (context === 'values' && (t.kind === 'In' || t.kind === 'NotIn')) return { kind: 'Identifier', literal: t.literal };
    return t;
  }

  lookahead(context: Context): Token {
    return this.at(this.position, context);
  }

  consume(context: Context): Token {
    return this.at(this.position++, context);
  }

  parse(): LabelRequirement[] {
    const reqs: LabelRequirement[] = [];
    for (;;) {
      const t = this.lookahead('values');
      switch (t.kind) {
        case 'Identifier':
        case 'DoesNotExist': {
          reqs.push(this.requirement());
          const after = this.consume('values');
          if (after.kind === 'EndOfString') return reqs;
          if (after.kind !== 'Comma') throw new SelectorError(`found '${after.literal}', expected: ',' or 'end of string'`);
          const next = this.lookahead('values');
          if (next.kind !== 'Identifier' && next.kind !== 'DoesNotExist') throw new SelectorError(`found '${next.literal}', expected: identifier after ','`);
          break;
        }
        case 'EndOfString':
          return reqs;
        default:
          throw new SelectorError(`found '${t.literal}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private requirement(): LabelRequirement {
    try {
      const { key, operator } = this.keyAndInferredOperator();
      if (operator === 'exists' || operator === '!') return newRequirement(key, operator, []);
      const op = this.operator();
      const values = op === 'in' || op === 'notin' ? this.valueSet() : this.exactValue();
      return newRequirement(key, op, [...values].sort());
    } catch (e) {
      if (e instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${e.message}`);
      throw e;
    }
  }

  private keyAndInferredOperator(): { key: string; operator?: LabelOperator } {
    let operator: LabelOperator | undefined;
    let t = this.consume('values');
    if (t.kind === 'DoesNotExist') {
      operator = '!';
      t = this.consume('values');
    }
    if (t.kind !== 'Identifier') throw new SelectorError(`found '${t.literal}', expected: identifier`);
    const keyErr = validateLabelKey(t.literal, '<nil>');
    if (keyErr) throw new SelectorError(keyErr);
    const next = this.lookahead('values').kind;
    if ((next === 'EndOfString' || next === 'Comma') && operator !== '!') operator = 'exists';
    return operator ? { key: t.literal, operator } : { key: t.literal };
  }

  private operator(): LabelOperator {
    const t = this.consume('keyAndOperator');
    const ops: Partial<Record<TokenKind, LabelOperator>> = { In: 'in', Equals: '=', DoubleEquals: '==', GreaterThan: 'gt', LessThan: 'lt', NotIn: 'notin', NotEquals: '!=' };
    const op = ops[t.kind];
    if (!op) throw new SelectorError(`found '${t.literal}', expected: ${binaryOperatorList}`);
    return op;
  }

  private valueSet(): Set<string> {
    const open = this.consume('values');
    if (open.kind !== 'OpenPar') throw new SelectorError(`found '${open.literal}' expected: '('`);
    const t = this.lookahead('values');
    switch (t.kind) {
      case 'Identifier':
      case 'Comma': {
        const values = this.identifierList();
        if (this.consume('values').kind !== 'ClosedPar') throw new SelectorError(`found '${t.literal}', expected: ')'`);
        return values;
      }
      case 'ClosedPar':
        this.consume('values');
        return new Set(['']);
      default:
        throw new SelectorError(`found '${t.literal}', expected: ',', ')' or identifier`);
    }
  }

  /** Comma-separated, possibly empty identifiers: "(a,,b)" holds "", "a" and "b". */
  private identifierList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const t = this.consume('values');
      if (t.kind === 'Identifier') {
        values.add(t.literal);
        const next = this.lookahead('values');
        if (next.kind === 'Comma') continue;
        if (next.kind === 'ClosedPar') return values;
        throw new SelectorError(`found '${next.literal}', expected: ',' or ')'`);
      }
      if (t.kind !== 'Comma') throw new SelectorError(`found '${t.literal}', expected: ',', or identifier`);
      if (values.size === 0) values.add('');
      const next = this.lookahead('values').kind;
      if (next === 'ClosedPar') {
        values.add('');
        return values;
      }
      if (next === 'Comma') values.add('');
    }
  }

  private exactValue(): Set<string> {
    const next = this.lookahead('values').kind;
    if (next === 'EndOfString' || next === 'Comma') return new Set(['']);
    const t = this.consume('values');
    if (t.kind === 'Identifier') return new Set([t.literal]);
    throw new SelectorError(`found '${t.literal}', expected: identifier`);
  }
}

/** labels.Parse: the string form of a label selector (as in `?labelSelector=` and `kubectl -l`); throws SelectorError. */
export function parseLabelSelector(text: string): LabelSelector {
  const reqs = new Parser(tokenize(text)).parse();
  return { kind: 'requirements', requirements: sortByKey(reqs) };
}
