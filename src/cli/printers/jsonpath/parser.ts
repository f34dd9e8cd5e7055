// Parser for kubectl's JSONPath templates: text with `{…}` actions. Grammar and error texts follow
// client-go's util/jsonpath/parser.go so that kubectl's messages come out the same.

import { newList, type JsonPathNode, type ListNode, type SliceParam } from './nodes.js';

export class JsonPathSyntaxError extends Error {
  override name = 'JsonPathSyntaxError';
}

const dictKeyPattern = /^'([^']*)'$/;
const slicePattern = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/;
const filterPattern = /^([^!<>=]+)([!<>=]+)(.+?)$/s;

/** Parse a whole template; the root list holds text nodes and one list node per action. */
export function parseJsonPath(text: string): ListNode {
  return new Parser(text).parse();
}

/** Parse the inside of one action, as client-go's parseAction does for filters and unions. */
function parseAction(text: string): ListNode {
  const root = parseJsonPath(`{${text}}`);
  const first = root.nodes[0];
  if (first === undefined || first.kind !== 'list') throw new JsonPathSyntaxError('invalid action');
  return first;
}

class Parser {
  private readonly root = newList();
  private pos = 0;
  private start = 0;

  constructor(private readonly input: string) {}

  parse(): ListNode {
    this.parseText();
    return this.root;
  }

  private rest(): string {
    return this.input.slice(this.pos);
  }

  private next(): string | undefined {
    const ch = this.input[this.pos];
    if (ch !== undefined) this.pos++;
    return ch;
  }

  private consume(): string {
    const value = this.input.slice(this.start, this.pos);
    this.start = this.pos;
    return value;
  }

  private parseText(): void {
    for (;;) {
      if (this.rest().startsWith('{')) {
        if (this.pos > this.start) this.root.nodes.push({ kind: 'text', text: this.consume() });
        this.pos += 1;
        this.consume();
        const action = newList();
        this.root.nodes.push(action);
        this.parseInsideAction(action);
        return;
      }
      if (this.next() === undefined) break;
    }
    if (this.pos > this.start) this.root.nodes.push({ kind: 'text', text: this.consume() });
  }

  // Iterative where client-go recurses, so long templates cannot overflow the stack.
  private parseInsideAction(cur: ListNode): void {
    for (;;) {
      const rest = this.rest();
      if (rest.startsWith('}')) {
        this.pos += 1;
        this.consume();
        this.parseText();
        return;
      }
      if (rest.startsWith('[?(')) {
        this.parseFilter(cur);
        continue;
      }
      if (rest.startsWith('..')) {
        this.parseRecursive(cur);
        continue;
      }
      const r = this.next();
      if (r === undefined || r === '\r' || r === '\n') throw new JsonPathSyntaxError('unclosed action');
      if (r === ' ' || r === '@' || r === '$') {
        this.consume();
      } else if (r === '[') {
        this.parseArray(cur);
      } else if (r === '"' || r === "'") {
        this.parseQuote(cur, r);
      } else if (r === '.') {
        this.parseField(cur);
      } else if (r === '+' || r === '-' || isDigit(r)) {
        this.pos--;
        this.parseNumber(cur);
      } else if (isAlphaNumeric(r)) {
        this.pos--;
        this.parseIdentifier(cur);
      } else {
        throw new JsonPathSyntaxError(`unrecognized character in action: ${goRuneU(r)}`);
      }
    }
  }

  private parseIdentifier(cur: ListNode): void {
    while (!isTerminator(this.input[this.pos])) this.pos++;
    const value = this.consume();
    if (value === 'true' || value === 'false') cur.nodes.push({ kind: 'bool', value: value === 'true' });
    else cur.nodes.push({ kind: 'identifier', name: value });
  }

  private parseRecursive(cur: ListNode): void {
    if (cur.nodes.at(-1)?.kind === 'recursive') throw new JsonPathSyntaxError('invalid multiple recursive descent');
    this.pos += 2;
    this.consume();
    cur.nodes.push({ kind: 'recursive' });
    const peek = this.input[this.pos];
    if (peek !== undefined && isAlphaNumeric(peek)) this.parseField(cur);
  }

  private parseNumber(cur: ListNode): void {
    const first = this.input[this.pos];
    if (first === '+' || first === '-') this.pos++;
    for (;;) {
      const r = this.input[this.pos];
      if (r === undefined || (r !== '.' && !isDigit(r))) break;
      this.pos++;
    }
    const value = this.consume();
    if (/^[+-]?\d+$/.test(value)) {
      cur.nodes.push({ kind: 'int', value: Number(value) });
      return;
    }
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(value)) {
      cur.nodes.push({ kind: 'float', value: Number(value) });
      return;
    }
    throw new JsonPathSyntaxError(`cannot parse number ${value}`);
  }

  private parseArray(cur: ListNode): void {
    for (;;) {
      const r = this.next();
      if (r === undefined || r === '\n') throw new JsonPathSyntaxError('unterminated array');
      if (r === ']') break;
    }
    let text = this.consume().slice(1, -1);
    if (text === '*') text = ':';

    const parts = text.split(',');
    if (parts.length > 1) {
      const branches = parts.map((part) => parseAction(`[${part.trim()}]`));
      cur.nodes.push({ kind: 'union', branches });
      return;
    }

    const dictKey = dictKeyPattern.exec(text);
    if (dictKey) {
      cur.nodes.push(...parseAction(`.${dictKey[1] ?? ''}`).nodes);
      return;
    }

    const slice = slicePattern.exec(text);
    if (!slice) throw new JsonPathSyntaxError(`invalid array index ${text}`);
    const params: [SliceParam, SliceParam, SliceParam] = [
      { known: false, value: 0, derived: false },
      { known: false, value: 0, derived: false },
      { known: false, value: 0, derived: false },
    ];
    for (let i = 0; i < 3; i++) {
      let raw = slice[i + 1] ?? '';
      const param = params[i] as SliceParam;
      if (raw !== '') {
        if (i > 0) raw = raw.slice(1);
        if (i > 0 && raw === '') continue;
        if (!/^[+-]?\d+$/.test(raw)) throw new JsonPathSyntaxError(`array index ${raw} is not a number`);
        param.known = true;
        param.value = Number(raw);
      } else if (i === 1) {
        param.known = true;
        param.value = params[0].value + 1;
        param.derived = true;
      }
    }
    cur.nodes.push({ kind: 'array', params });
  }

  private parseFilter(cur: ListNode): void {
    this.pos += 3;
    this.consume();
    let begin = false;
    let end = false;
    let pair = '';
    for (;;) {
      const r = this.next();
      if (r === undefined || r === '\n') throw new JsonPathSyntaxError('unterminated filter');
      if (r === '"' || r === "'") {
        if (!begin) {
          begin = true;
          pair = r;
          continue;
        }
        if (this.input[this.pos - 2] !== '\\' && r === pair) end = true;
      } else if (r === ')' && begin === end) {
        break;
      }
    }
    if (this.next() !== ']') throw new JsonPathSyntaxError('unclosed array expect ]');
    const text = this.consume().slice(0, -2);
    const match = filterPattern.exec(text);
    if (!match) {
      cur.nodes.push({ kind: 'filter', left: parseAction(text), right: newList(), operator: 'exists' });
      return;
    }
    cur.nodes.push({
      kind: 'filter',
      left: parseAction(match[1] ?? ''),
      right: parseAction(match[3] ?? ''),
      operator: match[2] ?? '',
    });
  }

  private parseQuote(cur: ListNode, quote: string): void {
    for (;;) {
      const r = this.next();
      if (r === undefined || r === '\n') throw new JsonPathSyntaxError('unterminated quoted string');
      if (r === quote && this.input[this.pos - 2] !== '\\') break;
    }
    const value = this.consume();
    cur.nodes.push({ kind: 'text', text: unquoteExtended(value) });
  }

  private parseField(cur: ListNode): void {
    this.consume();
    for (;;) {
      const r = this.input[this.pos];
      if (r === '\\') {
        this.pos += 2;
        continue;
      }
      if (isTerminator(r)) break;
      this.pos++;
    }
    const value = this.consume();
    if (value === '*') cur.nodes.push({ kind: 'wildcard' });
    else cur.nodes.push({ kind: 'field', name: value.replaceAll('\\', '') });
  }
}

const simpleEscapes: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', "'": "'", '"': '"',
};

/** Go's strconv.Unquote, extended (as client-go does) to single-quoted strings. */
function unquoteExtended(quoted: string): string {
  const body = quoted.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const esc = body[++i];
    if (esc === undefined) throw new JsonPathSyntaxError(`unquote string ${quoted} error invalid syntax`);
    const simple = simpleEscapes[esc];
    if (simple !== undefined) {
      out += simple;
      continue;
    }
    const width = esc === 'x' ? 2 : esc === 'u' ? 4 : esc === 'U' ? 8 : 0;
    const hex = body.slice(i + 1, i + 1 + width);
    if (width === 0 || hex.length !== width || !/^[0-9a-fA-F]+$/.test(hex)) {
      throw new JsonPathSyntaxError(`unquote string ${quoted} error invalid syntax`);
    }
    out += String.fromCodePoint(parseInt(hex, 16));
    i += width;
  }
  return out;
}

function isDigit(r: string): boolean {
  return r >= '0' && r <= '9';
}

function isAlphaNumeric(r: string): boolean {
  return r === '_' || /^[\p{L}\p{Nd}]$/u.test(r);
}

function isTerminator(r: string | undefined): boolean {
  if (r === undefined) return true;
  return ' \t\r\n.,[]$@{}'.includes(r);
}

/** Go's %#U: `U+002C ','`. */
function goRuneU(r: string): string {
  const cp = r.codePointAt(0) ?? 0;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${r}'`;
}

export type { JsonPathNode };
