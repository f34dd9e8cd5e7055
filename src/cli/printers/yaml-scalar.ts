// How kubectl's YAML encoder (sigs.k8s.io/yaml over go-yaml v2, YAML 1.1) writes one string: plain
// when it would read back as the same string, double-quoted when it would resolve to another type,
// single-quoted when plain is impossible, `|` blocks for multi-line text; long plain and
// single-quoted strings wrap at column 80.

const bestWidth = 80;

const resolvesToOther = new Set([
  'y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE',
  'on', 'On', 'ON', 'off', 'Off', 'OFF', '~', 'null', 'Null', 'NULL', '.nan', '.NaN', '.NAN', '.inf', '.Inf', '.INF',
  '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '<<',
]);

const intPattern = /^[+-]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/;
const yamlFloatPattern = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const base60Pattern = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const datePattern = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]| )(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/;

function isTimestamp(s: string): boolean {
  const m = datePattern.exec(s);
  if (!m) return false;
  const [, , month, day, hour, minute, second, zone] = m;
  const tSeparated = /^\d{4}-\d{1,2}-\d{1,2}[Tt]/.test(s);
  if (tSeparated && zone === undefined) return false;
  if (!tSeparated && hour !== undefined && zone !== undefined) return false;
  const inRange = (v: string | undefined, max: number, min = 0) => v === undefined || (Number(v) >= min && Number(v) <= max);
  return inRange(month, 12, 1) && inRange(day, 31, 1) && inRange(hour, 23) && inRange(minute, 59) && inRange(second, 59);
}

/** Would this text, written plain, be read back by a YAML 1.1 reader as something other than a string? */
export function resolvesToNonString(s: string): boolean {
  if (s === '' || resolvesToOther.has(s)) return true;
  const hint = s[0] ?? '';
  if (hint === '.') return /^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s);
  if (!'+-0123456789'.includes(hint)) return false;
  if (isTimestamp(s)) return true;
  const plain = s.replaceAll('_', '');
  return intPattern.test(plain) || yamlFloatPattern.test(plain) || /^-?0b[01]+$/.test(plain);
}

interface Analysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  blockAllowed: boolean;
}

function isPrintable(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  return cp === 0x0a || (cp >= 0x20 && cp <= 0x7e) || cp === 0x85 || (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff) || (cp >= 0x10000 && cp <= 0x10ffff);
}

const isBreak = (ch: string | undefined) => ch === '\n' || ch === '\r' || ch === '\x85' || ch === '\u2028' || ch === '\u2029';
const isBlankOrEnd = (ch: string | undefined) => ch === undefined || ch === ' ' || ch === '\t' || isBreak(ch);

function analyze(value: string): Analysis {
  const chars = [...value];
  let blockIndicators = false;
  let lineBreaks = false;
  let specialCharacters = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  if (value.startsWith('---') || value.startsWith('...')) blockIndicators = true;
  let precededByWhitespace = true;
  chars.forEach((ch, i) => {
    const followedByWhitespace = isBlankOrEnd(chars[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      if ((ch === '?' || ch === ':' || ch === '-') && followedByWhitespace) blockIndicators = true;
    } else {
      if (ch === ':' && followedByWhitespace) blockIndicators = true;
      if (ch === '#' && precededByWhitespace) blockIndicators = true;
    }
    if (!isPrintable(ch)) specialCharacters = true;
    if (isBreak(ch)) lineBreaks = true;
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(ch)) {
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousBreak = true;
      previousSpace = false;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankOrEnd(ch) || ch === '\t';
  });
  const result: Analysis = { multiline: lineBreaks, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: true };
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) result.blockPlainAllowed = false;
  if (trailingSpace) result.blockAllowed = false;
  if (breakSpace) {
    result.blockPlainAllowed = false;
    result.singleQuotedAllowed = false;
  }
  if (spaceBreak || specialCharacters) {
    result.blockPlainAllowed = false;
    result.singleQuotedAllowed = false;
    result.blockAllowed = false;
  }
  if (lineBreaks) result.blockPlainAllowed = false;
  if (blockIndicators) result.blockPlainAllowed = false;
  return result;
}

export interface ScalarPlace {
  /** Column where the scalar starts (after `key: ` or `- `). */
  column: number;
  /** Indentation of continuation lines and of `|` block content. */
  indent: number;
  /** Map keys are simple keys: never wrapped, never blocks. */
  simpleKey: boolean;
}

type Style = 'plain' | 'single' | 'double' | 'literal';

function selectStyle(value: string, place: ScalarPlace): Style {
  let style: Style = value.includes('\n') ? 'literal' : resolvesToNonString(value) || base60Pattern.test(value) ? 'double' : 'plain';
  const a = analyze(value);
  if (style === 'plain') {
    if (!a.blockPlainAllowed || (value === '' && place.simpleKey) || (place.simpleKey && a.multiline)) style = 'single';
  }
  if (style === 'single' && (!a.singleQuotedAllowed || (place.simpleKey && a.multiline))) style = 'double';
  if (style === 'literal' && (!a.blockAllowed || place.simpleKey)) style = 'double';
  return style;
}

/** The text of a string scalar, possibly spanning several lines (no trailing newline). */
export function yamlString(value: string, place: ScalarPlace): string {
  switch (selectStyle(value, place)) {
    case 'plain':
      return wrapped(value, place, '', '');
    case 'single':
      return wrapped(value.replaceAll("'", "''"), place, "'", "'");
    case 'double':
      return doubleQuoted(value);
    case 'literal':
      return literal(value, place);
  }
}

function wrapped(body: string, place: ScalarPlace, open: string, close: string): string {
  const chars = [...body];
  let out = open;
  let column = place.column + open.length;
  let previousSpace = false;
  chars.forEach((ch, i) => {
    if (ch === ' ') {
      const canBreak = !place.simpleKey && !previousSpace && column > bestWidth && chars[i + 1] !== ' ' &&
        (open === '' || (i !== 0 && i !== chars.length - 1));
      if (canBreak) {
        out += `\n${' '.repeat(place.indent)}`;
        column = place.indent;
      } else {
        out += ch;
        column++;
      }
      previousSpace = true;
    } else {
      out += ch;
      column++;
      previousSpace = false;
    }
  });
  return out + close;
}

const doubleEscapes: Record<string, string> = {
  '\0': '\\0', '\x07': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r',
  '\x1b': '\\e', '"': '\\"', '\\': '\\\\', '\x85': '\\N', '\xa0': '\\_', '\u2028': '\\L', '\u2029': '\\P',
};

function doubleQuoted(value: string): string {
  let out = '"';
  for (const ch of value) {
    const esc = doubleEscapes[ch];
    if (esc !== undefined) out += esc;
    else if (!isPrintable(ch) || ch === '\ufeff') {
      const cp = ch.codePointAt(0) ?? 0;
      out += cp <= 0xff ? `\\x${hex(cp, 2)}` : cp <= 0xffff ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
    } else out += ch;
  }
  return `${out}"`;
}

function hex(cp: number, width: number): string {
  return cp.toString(16).toUpperCase().padStart(width, '0');
}

function literal(value: string, place: ScalarPlace): string {
  let header = '|';
  if (value.startsWith(' ') || value.startsWith('\n')) header += '2';
  if (!value.endsWith('\n')) header += '-';
  else if (value === '\n' || value.endsWith('\n\n')) header += '+';
  const body = value.endsWith('\n') ? value.slice(0, -1) : value;
  const pad = ' '.repeat(place.indent);
  const lines = body.split('\n').map((line) => (line === '' ? '' : pad + line));
  return `${header}\n${lines.join('\n')}`;
}
