// Tokens of a template action and the helpers the lexer uses for them.

export type Token =
  | { t: 'field'; pos: number; name: string }
  | { t: 'variable'; pos: number; name: string }
  | { t: 'dot' | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma'; pos: number }
  | { t: 'string'; pos: number; value: string; text: string }
  | { t: 'number'; pos: number; value: number; isFloat: boolean; text: string }
  | { t: 'identifier'; pos: number; name: string }
  | { t: 'space'; pos: number };

export function findQuoteEnd(src: string, start: number): number {
  for (let i = start + 1; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === '"') return i;
    else if (src[i] === '\n') return -1;
  }
  return -1;
}

const escapes: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

export function unquote(text: string): string {
  return text.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (_, esc: string) => {
    if (/^[xuU]/.test(esc)) return String.fromCodePoint(parseInt(esc.slice(1), 16));
    if (/^[0-7]{3}$/.test(esc)) return String.fromCodePoint(parseInt(esc, 8));
    return escapes[esc] ?? esc;
  });
}

export function describe(tok: Token): string {
  switch (tok.t) {
    case 'identifier':
      return `<${tok.name}>`;
    case 'string':
    case 'number':
      return `<${tok.text}>`;
    case 'field':
      return `<.${tok.name}>`;
    case 'variable':
      return `<${tok.name}>`;
    default:
      return `"${tok.t === 'lparen' ? '(' : tok.t === 'rparen' ? ')' : tok.t === 'pipe' ? '|' : tok.t}"`;
  }
}
