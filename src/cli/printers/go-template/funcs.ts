// The template functions kubectl offers: text/template's builtins, kubectl's base64decode/exists and
// a few common sprig helpers.

import { isRecord } from '../../../api/object.js';
import { goNumber, goQuote, goSprint } from '../go-format.js';
import { ExecError, FloatLiteral, goType, MISSING, plain, truthy } from './values.js';

type Kind = 'bool' | 'int' | 'float' | 'string' | 'invalid' | 'other';

function kindOf(v: unknown): Kind {
  if (v === MISSING || v === null || v === undefined) return 'invalid';
  if (v instanceof FloatLiteral) return 'float';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return 'other';
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new ExecError('missing argument for comparison');
  const ka = kindOf(a);
  if (ka === 'other') throw new ExecError('invalid type for comparison');
  for (const b of rest) {
    const kb = kindOf(b);
    if (ka !== kb) {
      if (ka !== 'invalid' && kb !== 'invalid') throw new ExecError('incompatible types for comparison');
      continue;
    }
    if (plain(a) === plain(b) || ka === 'invalid') return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'bool' || ka === 'other' || ka === 'invalid' || kb === 'other' || kb === 'invalid') {
    throw new ExecError('invalid type for comparison');
  }
  if (ka !== kb) throw new ExecError('incompatible types for comparison');
  return (plain(a) as number | string) < (plain(b) as number | string);
}

function length(v: unknown): number {
  const p = plain(v);
  if (p === MISSING || p === null || p === undefined) throw new ExecError('len of nil pointer');
  if (typeof p === 'string') return Buffer.byteLength(p);
  if (Array.isArray(p)) return p.length;
  if (isRecord(p)) return Object.keys(p).length;
  throw new ExecError(`len of type ${goType(p)}`);
}

function index(item: unknown, ...keys: unknown[]): unknown {
  let v = plain(item);
  for (const key of keys) {
    if (v === MISSING || v === undefined) throw new ExecError('index of untyped nil');
    if (v === null) throw new ExecError('index of nil pointer');
    const k = plain(key);
    if (Array.isArray(v) || typeof v === 'string') {
      if (typeof k !== 'number' || !Number.isInteger(k)) throw new ExecError(`cannot index slice/array with type ${goType(key)}`);
      if (k < 0 || k >= v.length) throw new ExecError(`index out of range: ${k}`);
      v = typeof v === 'string' ? Buffer.from(v)[k] : v[k];
    } else if (isRecord(v)) {
      if (typeof k !== 'string') throw new ExecError(`value has type ${goType(key)}; should be string`);
      v = Object.hasOwn(v, k) ? v[k] : null;
    } else {
      throw new ExecError(`can't index item of type ${goType(v)}`);
    }
  }
  return v;
}

function textOf(v: unknown): string {
  const p = plain(v);
  if (p === MISSING) return '<no value>';
  return goSprint(p);
}

/** fmt.Sprint: a space between operands when neither side is a string. */
function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    const isString = typeof plain(a) === 'string';
    if (i > 0 && !isString && typeof plain(args[i - 1]) !== 'string') out += ' ';
    out += textOf(a);
  });
  return out;
}

/** A small fmt.Sprintf: flags, width, precision and the verbs templates use. */
export function sprintf(format: string, args: unknown[]): string {
  let argIndex = 0;
  const out = format.replace(/%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g, (_m, flags: string, width?: string, prec?: string, verb?: string) => {
    if (verb === '%') return '%';
    if (argIndex >= args.length) return `%!${verb}(MISSING)`;
    const raw = args[argIndex++];
    const v = plain(raw);
    let text: string;
    switch (verb) {
      case 'v':
      case 's':
        text = v === MISSING ? '<nil>' : goSprint(v);
        if (verb === 's' && typeof v !== 'string' && !Array.isArray(v) && !isRecord(v)) text = `%!s(${goType(raw)}=${text})`;
        break;
      case 'd':
        text = typeof v === 'number' && Number.isInteger(v) && !(raw instanceof FloatLiteral) ? goNumber(v) : `%!d(${goType(raw)}=${textOf(raw)})`;
        break;
      case 'q':
        text = typeof v === 'string' ? goQuote(v) : `%!q(${goType(raw)}=${textOf(raw)})`;
        break;
      case 'T':
        text = goType(raw);
        break;
      case 'f':
      case 'F':
        text = typeof v === 'number' ? v.toFixed(prec === undefined ? 6 : Number(prec)) : `%!f(${goType(raw)}=${textOf(raw)})`;
        break;
      case 'x':
      case 'X':
        text = typeof v === 'number' ? v.toString(16) : typeof v === 'string' ? Buffer.from(v).toString('hex') : `%!x(${goType(raw)}=${textOf(raw)})`;
        if (verb === 'X') text = text.toUpperCase();
        break;
      case 't':
        text = typeof v === 'boolean' ? String(v) : `%!t(${goType(raw)}=${textOf(raw)})`;
        break;
      default:
        text = `%!${verb}(${goType(raw)}=${textOf(raw)})`;
    }
    if (prec !== undefined && (verb === 's' || verb === 'v') && typeof v === 'string') text = text.slice(0, Number(prec));
    if (width !== undefined && text.length < Number(width)) {
      text = flags.includes('-') ? text.padEnd(Number(width)) : text.padStart(Number(width), flags.includes('0') && verb !== 's' ? '0' : ' ');
    }
    return text;
  });
  if (argIndex < args.length) {
    return `${out}%!(EXTRA ${args.slice(argIndex).map((a) => `${goType(a)}=${textOf(a)}`).join(', ')})`;
  }
  return out;
}

function str(v: unknown): string {
  const p = plain(v);
  return typeof p === 'string' ? p : textOf(p);
}

export type TemplateFunction = (...args: unknown[]) => unknown;

export const templateFunctions: Record<string, TemplateFunction> = {
  not: (v) => !truthy(v),
  eq,
  ne: (a, b) => !eq(a, b),
  lt: (a, b) => lt(a, b),
  le: (a, b) => lt(a, b) || eq(a, b),
  gt: (a, b) => !lt(a, b) && !eq(a, b),
  ge: (a, b) => !lt(a, b),
  len: length,
  index,
  print: (...args) => sprint(args),
  println: (...args) => `${args.map(textOf).join(' ')}\n`,
  printf: (format, ...args) => sprintf(str(format), args),
  base64decode: (v) => {
    const s = str(v);
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) {
      throw new ExecError('base64 decode failed: illegal base64 data at input byte 0');
    }
    return Buffer.from(s, 'base64').toString('utf8');
  },
  exists: (item, ...keys) => {
    try {
      const v = index(item, ...keys);
      return v !== null && v !== undefined && v !== MISSING;
    } catch {
      return false;
    }
  },
  // sprig helpers
  upper: (v) => str(v).toUpperCase(),
  lower: (v) => str(v).toLowerCase(),
  trim: (v) => str(v).trim(),
  trimPrefix: (prefix, v) => (str(v).startsWith(str(prefix)) ? str(v).slice(str(prefix).length) : str(v)),
  trimSuffix: (suffix, v) => (str(v).endsWith(str(suffix)) && str(suffix) !== '' ? str(v).slice(0, -str(suffix).length) : str(v)),
  contains: (sub, v) => str(v).includes(str(sub)),
  hasPrefix: (prefix, v) => str(v).startsWith(str(prefix)),
  hasSuffix: (suffix, v) => str(v).endsWith(str(suffix)),
  replace: (from, to, v) => str(v).replaceAll(str(from), str(to)),
  quote: (...args) => args.filter((a) => plain(a) !== null && a !== MISSING).map((a) => goQuote(str(a))).join(' '),
  default: (dflt, given) => (truthy(given) ? given : dflt),
  b64enc: (v) => Buffer.from(str(v)).toString('base64'),
  b64dec: (v) => Buffer.from(str(v), 'base64').toString('utf8'),
  join: (sep, list) => (Array.isArray(plain(list)) ? (plain(list) as unknown[]).map(str).join(str(sep)) : str(list)),
  toJson: (v) => JSON.stringify(plain(v) === MISSING ? null : plain(v)),
};

/** `and`/`or` evaluate lazily; they return the deciding argument. */
export const lazyFunctions = new Set(['and', 'or']);

export const functionNames: ReadonlySet<string> = new Set([...Object.keys(templateFunctions), ...lazyFunctions]);
