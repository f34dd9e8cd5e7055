// Go's fmt and encoding/json renderings of JSON-shaped values, as kubectl (a Go program) prints them.
// Integers are what Go's unstructured decoder turns into int64; every other number is a float64.

import { isRecord } from '../../api/object.js';

/** Go's `strconv.FormatFloat(x, 'g', -1, 64)`, which is also fmt's `%v` for a float64. */
export function goFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa = '0', expText = '0'] = x.toExponential().split('e');
  const exp = Number(expText);
  // Shortest formatting switches to an exponent from 1e+06 on (strconv's eprec of 6).
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(x);
}

/** A JSON number as Go prints it after unstructured decoding: int64 as digits, float64 with %v. */
export function goNumber(x: number): string {
  return Number.isInteger(x) && Math.abs(x) < 2 ** 63 ? BigInt(x).toString() : goFloat(x);
}

function sortedKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o).sort(compareBytes);
}

/** Byte-wise string order (Go's sort of map keys). */
export function compareBytes(a: string, b: string): number {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return Buffer.compare(ab, bb);
}

/** fmt.Sprint of a value held in an interface{}: `map[a:1 b:[x y]]`, `<nil>`. */
export function goSprint(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(goSprint).join(' ')}]`;
  if (isRecord(v)) return `map[${sortedKeys(v).map((k) => `${k}:${goSprint(v[k])}`).join(' ')}]`;
  return String(v);
}

const quoteEscapes: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\', '"': '\\"',
};

/** strconv.Quote (also fmt's %q for strings). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const esc = quoteEscapes[ch];
    if (esc !== undefined) out += esc;
    else {
      const cp = ch.codePointAt(0) ?? 0;
      if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
      else if ((cp >= 0x80 && cp < 0xa0) || cp === 0xad || cp === 0x2028 || cp === 0x2029 || cp === 0xfeff) {
        out += cp <= 0xffff ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\U${cp.toString(16).padStart(8, '0')}`;
      } else out += ch;
    }
  }
  return `${out}"`;
}

/** fmt's %#v of a value inside a map[string]interface{}. */
export function goSharpV(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number') return goNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSharpV).join(', ')}}`;
  if (isRecord(v)) {
    return `map[string]interface {}{${sortedKeys(v).map((k) => `${goQuote(k)}:${goSharpV(v[k])}`).join(', ')}}`;
  }
  return String(v);
}

function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (cp < 0x20 || ch === '<' || ch === '>' || ch === '&' || cp === 0x2028 || cp === 0x2029) {
      out += `\\u${cp.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

function goJsonNumber(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 2 ** 63) return BigInt(x).toString();
  return JSON.stringify(x);
}

/**
 * encoding/json Marshal (indent "" → compact) or MarshalIndent("", indent): map keys sorted,
 * HTML-sensitive characters escaped.
 */
export function goJson(v: unknown, indent = '', level = 0): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'number') return goJsonNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const nl = indent === '' ? '' : `\n${indent.repeat(level + 1)}`;
  const close = indent === '' ? '' : `\n${indent.repeat(level)}`;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${v.map((item) => nl + goJson(item, indent, level + 1)).join(',')}${close}]`;
  }
  if (isRecord(v)) {
    const keys = sortedKeys(v).filter((k) => v[k] !== undefined);
    if (keys.length === 0) return '{}';
    const sep = indent === '' ? ':' : ': ';
    return `{${keys.map((k) => nl + goJsonString(k) + sep + goJson(v[k], indent, level + 1)).join(',')}${close}}`;
  }
  return 'null';
}

/** kubectl's printers.EscapeTerminal: keeps terminal control sequences out of the output. */
export function escapeTerminal(s: string): string {
  return s.replace(/\x1b/g, '^[').replace(/\r/g, '\\r');
}
