// Lexer and parser for Go text/template actions: `{{…}}` with `{{-`/`-}}` trimming, comments,
// if/else if/else, range, with, pipelines, variables, parenthesised pipelines and literals.

import type { Arg, Command, Pipeline, TemplateNode } from './nodes.js';
import { describe, findQuoteEnd, unquote, type Token } from './tokens.js';

export class TemplateParseError extends Error {
  override name = 'TemplateParseError';
}

const keywords = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

interface RawAction {
  pos: number;
  tokens: Token[];
}

type Piece = { kind: 'text'; text: string } | { kind: 'action'; action: RawAction };

export class TemplateParser {
  constructor(
    private readonly source: string,
    private readonly functions: ReadonlySet<string>,
  ) {}

  private lineOf(pos: number): number {
    return this.source.slice(0, pos).split('\n').length;
  }

  private fail(pos: number, message: string): never {
    throw new TemplateParseError(`template: output:${this.lineOf(pos)}: ${message}`);
  }

  parse(): TemplateNode[] {
    const pieces = this.split();
    let at = 0;
    const parseList = (terminators: string[]): { nodes: TemplateNode[]; end: string; endAction?: RawAction } => {
      const nodes: TemplateNode[] = [];
      while (at < pieces.length) {
        const piece = pieces[at++] as Piece;
        if (piece.kind === 'text') {
          if (piece.text !== '') nodes.push({ kind: 'text', text: piece.text });
          continue;
        }
        const tokens = piece.action.tokens.filter((t) => t.t !== 'space');
        const first = tokens[0];
        const keyword = first?.t === 'identifier' && keywords.has(first.name) ? first.name : undefined;
        if (keyword === 'end' || keyword === 'else') {
          if (!terminators.includes(keyword)) this.fail(piece.action.pos, `unexpected {{${keyword}}}`);
          return { nodes, end: keyword, endAction: piece.action };
        }
        if (keyword === 'if' || keyword === 'with' || keyword === 'range') {
          nodes.push(this.control(keyword, piece.action, parseList));
          continue;
        }
        if (keyword !== undefined) this.fail(piece.action.pos, `{{${keyword}}} is not supported`);
        if (tokens.length === 0) this.fail(piece.action.pos, 'missing value for command');
        nodes.push({ kind: 'action', pos: piece.action.pos, pipe: this.pipeline(piece.action.tokens, 0, piece.action.pos).pipe });
      }
      if (terminators.length > 0) this.fail(this.source.length, 'unexpected EOF');
      return { nodes, end: 'eof' };
    };
    return parseList([]).nodes;
  }

  private control(
    keyword: 'if' | 'with' | 'range',
    action: RawAction,
    parseList: (terminators: string[]) => { nodes: TemplateNode[]; end: string; endAction?: RawAction },
    tokens: Token[] = action.tokens,
  ): TemplateNode {
    const start = tokens.findIndex((t) => t.t === 'identifier' && t.name === keyword);
    const { pipe } = this.pipeline(tokens, start + 1, action.pos);
    if (pipe.commands.length === 0) this.fail(action.pos, `missing value for ${keyword}`);
    const body = parseList(['end', 'else']);
    const node: TemplateNode = { kind: keyword, pos: action.pos, pipe, list: body.nodes };
    if (body.end === 'else' && body.endAction) {
      const rest = body.endAction.tokens.filter((t) => t.t !== 'space');
      const chained = rest[1];
      if (chained?.t === 'identifier' && (chained.name === 'if' || chained.name === 'with')) {
        // `{{else if x}}` is `{{else}}{{if x}}…{{end}}{{end}}` sharing one end.
        node.elseList = [this.control(chained.name, body.endAction, parseList, body.endAction.tokens.slice(body.endAction.tokens.indexOf(chained)))];
        return node;
      }
      const elseBody = parseList(['end']);
      node.elseList = elseBody.nodes;
    }
    return node;
  }

  private pipeline(tokens: Token[], from: number, pos: number): { pipe: Pipeline; next: number } {
    let i = from;
    const skipSpace = () => {
      while (tokens[i]?.t === 'space') i++;
    };
    skipSpace();
    const pipe: Pipeline = { pos: tokens[i]?.pos ?? pos, decl: [], assign: false, commands: [] };
    // Variable declarations: `$x :=` or `$i, $e :=`.
    const save = i;
    const decl: string[] = [];
    for (;;) {
      const tok = tokens[i];
      if (tok?.t !== 'variable') break;
      decl.push(tok.name);
      i++;
      skipSpace();
      const op = tokens[i];
      if (op?.t === 'declare' || op?.t === 'assign') {
        pipe.decl = decl;
        pipe.assign = op.t === 'assign';
        i++;
        break;
      }
      if (op?.t === 'comma') {
        i++;
        skipSpace();
        continue;
      }
      decl.length = 0;
      break;
    }
    if (pipe.decl.length === 0) i = save;
    let command: Command | undefined;
    for (;;) {
      skipSpace();
      const tok = tokens[i];
      if (tok === undefined || tok.t === 'rparen') break;
      if (tok.t === 'pipe') {
        if (!command) this.fail(tok.pos, 'missing command');
        pipe.commands.push(command);
        command = undefined;
        i++;
        continue;
      }
      command ??= { pos: tok.pos, args: [] };
      const { arg, next } = this.operand(tokens, i, pos);
      command.args.push(arg);
      i = next;
      const after = tokens[i];
      if (after !== undefined && after.t !== 'space' && after.t !== 'pipe' && after.t !== 'rparen') {
        this.fail(after.pos, `unexpected ${describe(after)} in operand`);
      }
    }
    if (command) pipe.commands.push(command);
    return { pipe, next: i };
  }

  private operand(tokens: Token[], i: number, pos: number): { arg: Arg; next: number } {
    const tok = tokens[i] as Token;
    const chain = (start: number): { names: string[]; next: number } => {
      const names: string[] = [];
      let j = start;
      for (let t = tokens[j]; t?.t === 'field'; t = tokens[++j]) names.push(t.name);
      return { names, next: j };
    };
    switch (tok.t) {
      case 'field': {
        const { names, next } = chain(i);
        const last = tokens[next - 1] as Token;
        return { arg: { kind: 'field', pos: names.length > 1 ? last.pos : tok.pos, names }, next };
      }
      case 'dot':
        return { arg: { kind: 'field', pos: tok.pos, names: [] }, next: i + 1 };
      case 'variable': {
        const { names, next } = chain(i + 1);
        return { arg: { kind: 'variable', pos: tok.pos, name: tok.name, names }, next };
      }
      case 'string':
        return { arg: { kind: 'string', pos: tok.pos, value: tok.value, text: tok.text }, next: i + 1 };
      case 'number':
        return { arg: { kind: 'number', pos: tok.pos, value: tok.value, isFloat: tok.isFloat, text: tok.text }, next: i + 1 };
      case 'identifier': {
        if (tok.name === 'true' || tok.name === 'false') return { arg: { kind: 'bool', pos: tok.pos, value: tok.name === 'true' }, next: i + 1 };
        if (tok.name === 'nil') return { arg: { kind: 'nil', pos: tok.pos }, next: i + 1 };
        if (!this.functions.has(tok.name)) this.fail(tok.pos, `function "${tok.name}" not defined`);
        return { arg: { kind: 'identifier', pos: tok.pos, name: tok.name }, next: i + 1 };
      }
      case 'lparen': {
        const { pipe, next } = this.pipeline(tokens, i + 1, pos);
        if (tokens[next]?.t !== 'rparen') this.fail(tok.pos, 'unclosed left paren');
        const { names, next: after } = chain(next + 1);
        return { arg: { kind: 'pipe', pos: tok.pos, pipe, names }, next: after };
      }
      default:
        return this.fail(tok.pos, `unexpected ${describe(tok)} in command`);
    }
  }

  /** Split the source into text and action token lists, applying trim markers and dropping comments. */
  private split(): Piece[] {
    const src = this.source;
    const pieces: Piece[] = [];
    let pos = 0;
    let trimNext = false;
    while (pos <= src.length) {
      const open = src.indexOf('{{', pos);
      let text = src.slice(pos, open < 0 ? src.length : open);
      if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
      if (open < 0) {
        pieces.push({ kind: 'text', text });
        break;
      }
      let inner = open + 2;
      if (src[inner] === '-' && ' \t\r\n'.includes(src[inner + 1] ?? 'x')) {
        text = text.replace(/[ \t\r\n]+$/, '');
        inner += 2;
      }
      pieces.push({ kind: 'text', text });
      const { tokens, close, trimRight } = this.lexAction(inner, open);
      trimNext = trimRight;
      const isComment = src.slice(inner).trimStart().startsWith('/*');
      if (!isComment) pieces.push({ kind: 'action', action: { pos: inner, tokens } });
      pos = close;
    }
    return pieces;
  }

  private lexAction(start: number, open: number): { tokens: Token[]; close: number; trimRight: boolean } {
    const src = this.source;
    const tokens: Token[] = [];
    let i = start;
    const rest = src.slice(i).trimStart();
    if (rest.startsWith('/*')) {
      const end = src.indexOf('*/', i);
      if (end < 0) this.fail(open, 'unclosed comment');
      let j = end + 2;
      let trimRight = false;
      if (src.startsWith(' -}}', j)) {
        trimRight = true;
        j += 1;
      }
      while (src[j] === ' ') j++;
      if (src[j] === '-' && src.startsWith('-}}', j)) {
        trimRight = true;
        j++;
      }
      if (!src.startsWith('}}', j)) this.fail(open, 'comment ends before closing delimiter');
      return { tokens, close: j + 2, trimRight };
    }
    for (;;) {
      const ch = src[i];
      if (ch === undefined) this.fail(open, 'unclosed action');
      if (src.startsWith('}}', i)) return { tokens, close: i + 2, trimRight: false };
      if (/[ \t\r\n]/.test(ch as string)) {
        let j = i;
        while (/[ \t\r\n]/.test(src[j] ?? '')) j++;
        if (src.startsWith('-}}', j)) return { tokens, close: j + 3, trimRight: true };
        tokens.push({ t: 'space', pos: i });
        i = j;
        continue;
      }
      if (ch === '|') tokens.push({ t: 'pipe', pos: i++ });
      else if (ch === '(') tokens.push({ t: 'lparen', pos: i++ });
      else if (ch === ')') tokens.push({ t: 'rparen', pos: i++ });
      else if (ch === ',') tokens.push({ t: 'comma', pos: i++ });
      else if (ch === '=') tokens.push({ t: 'assign', pos: i++ });
      else if (ch === ':' && src[i + 1] === '=') {
        tokens.push({ t: 'declare', pos: i });
        i += 2;
      } else if (ch === '"' || ch === '`') {
        const end = ch === '`' ? src.indexOf('`', i + 1) : findQuoteEnd(src, i);
        if (end < 0) this.fail(i, ch === '`' ? 'unterminated raw quoted string' : 'unterminated quoted string');
        const text = src.slice(i, end + 1);
        tokens.push({ t: 'string', pos: i, text, value: ch === '`' ? text.slice(1, -1) : unquote(text) });
        i = end + 1;
      } else if (ch === '.' && !/[0-9]/.test(src[i + 1] ?? '')) {
        const m = /^\.[\p{L}\p{Nd}_]*/u.exec(src.slice(i));
        const name = (m?.[0] ?? '.').slice(1);
        tokens.push(name === '' ? { t: 'dot', pos: i } : { t: 'field', pos: i, name });
        i += 1 + name.length;
      } else if (ch === '$') {
        const m = /^\$[\p{L}\p{Nd}_]*/u.exec(src.slice(i));
        const name = m?.[0] ?? '$';
        tokens.push({ t: 'variable', pos: i, name });
        i += name.length;
      } else if (/[-+0-9.]/.test(ch as string)) {
        const m = /^[-+]?(0[xX][0-9a-fA-F_]+|[0-9_]*\.?[0-9_]+([eE][-+]?[0-9]+)?|[0-9]+\.)/.exec(src.slice(i));
        if (!m) this.fail(i, `bad number syntax: "${ch}"`);
        const text = m[0];
        const isFloat = /[.eE]/.test(text) && !/^[-+]?0[xX]/.test(text);
        tokens.push({ t: 'number', pos: i, text, isFloat, value: Number(text.replaceAll('_', '')) });
        i += text.length;
      } else if (/[\p{L}_]/u.test(ch as string)) {
        const m = /^[\p{L}\p{Nd}_]+/u.exec(src.slice(i));
        const name = m?.[0] ?? ch;
        tokens.push({ t: 'identifier', pos: i, name: name as string });
        i += (name as string).length;
      } else {
        this.fail(i, `unexpected "${ch}" in command`);
      }
    }
  }
}
