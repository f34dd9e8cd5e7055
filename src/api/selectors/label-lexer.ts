// Tokens of the label selector string syntax (apimachinery labels/selector.go Lexer).
export type TokenKind =
  | 'Error'
  | 'EndOfString'
  | 'ClosedPar'
  | 'Comma'
  | 'DoesNotExist'
  | 'DoubleEquals'
  | 'Equals'
  | 'GreaterThan'
  | 'Identifier'
  | 'In'
  | 'LessThan'
  | 'NotEquals'
  | 'NotIn'
  | 'OpenPar';

export interface Token {
  kind: TokenKind;
  literal: string;
}

const literalTokens: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  [')', 'ClosedPar'],
  [',', 'Comma'],
  ['!', 'DoesNotExist'],
  ['==', 'DoubleEquals'],
  ['=', 'Equals'],
  ['>', 'GreaterThan'],
  ['in', 'In'],
  ['<', 'LessThan'],
  ['!=', 'NotEquals'],
  ['notin', 'NotIn'],
  ['(', 'OpenPar'],
]);

const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecialSymbol = (ch: string): boolean => '=!(),><'.includes(ch);

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  const peek = (): string | undefined => input[pos];

  const identifierOrKeyword = (): Token => {
    const start = pos;
    while (pos < input.length && !isSpecialSymbol(peek() ?? '') && !isWhitespace(peek() ?? '')) pos++;
    const s = input.slice(start, pos);
    return { kind: literalTokens.get(s) ?? 'Identifier', literal: s };
  };

  // Longest run of symbols that is still an operator: "!=" but "!" followed by "(".
  const specialSymbol = (): Token => {
    let buffer = '';
    let last: Token | undefined;
    while (pos < input.length && isSpecialSymbol(peek() ?? '')) {
      const next = buffer + (peek() ?? '');
      const kind = literalTokens.get(next);
      if (kind) {
        last = { kind, literal: next };
      } else if (last) {
        break;
      }
      buffer = next;
      pos++;
    }
    return last ?? { kind: 'Error', literal: `error expected: keyword found '${buffer}'` };
  };

  for (;;) {
    while (pos < input.length && isWhitespace(peek() ?? '')) pos++;
    if (pos >= input.length) {
      tokens.push({ kind: 'EndOfString', literal: '' });
      return tokens;
    }
    tokens.push(isSpecialSymbol(peek() ?? '') ? specialSymbol() : identifierOrKeyword());
  }
}
