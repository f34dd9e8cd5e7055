// `-o yaml` as kubectl prints it: keys sorted as go-yaml v2 sorts them, sequences not indented under
// their key, `{}`/`[]` for empty collections, strings quoted per YAML 1.1 (see yaml-scalar.ts).

import { isRecord } from '../../api/object.js';
import { goFloat } from './go-format.js';
import { yamlString } from './yaml-scalar.js';

/** go-yaml v2's key order: runs of digits compare as numbers; non-letters sort before letters. */
export function compareYamlKeys(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    const ac = ar[i] as string;
    const bc = br[i] as string;
    if (ac === bc) continue;
    const al = isLetter(ac);
    const bl = isLetter(bc);
    if (al && bl) return ac < bc ? -1 : 1;
    if (al || bl) return bl ? -1 : 1;
    let an = 0;
    let bn = 0;
    if (ac === '0' || bc === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    let bi = i;
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return ac < bc ? -1 : 1;
  }
  return ar.length - br.length;
}

function isLetter(ch: string): boolean {
  return /^\p{L}$/u.test(ch);
}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && /^\p{Nd}$/u.test(ch);
}

function scalar(v: unknown, column: number, indent: number): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return String(v);
    const s = goFloat(v);
    return s === '+Inf' ? '.inf' : s === '-Inf' ? '-.inf' : s === 'NaN' ? '.nan' : s;
  }
  if (typeof v === 'string') return yamlString(v, { column, indent, simpleKey: false });
  return String(v);
}

function isEmptyCollection(v: unknown): string | undefined {
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (isRecord(v) && Object.keys(v).filter((k) => v[k] !== undefined).length === 0) return '{}';
  return undefined;
}

function mapLines(obj: Record<string, unknown>, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort(compareYamlKeys);
  for (const key of keys) {
    const value = obj[key];
    const keyText = yamlString(key, { column: indent, indent, simpleKey: true });
    const empty = isEmptyCollection(value);
    if (empty !== undefined) out.push(`${pad}${keyText}: ${empty}`);
    else if (isRecord(value)) {
      out.push(`${pad}${keyText}:`);
      mapLines(value, indent + 2, out);
    } else if (Array.isArray(value)) {
      out.push(`${pad}${keyText}:`);
      seqLines(value, indent, out);
    } else {
      const column = indent + [...keyText].length + 2;
      out.push(`${pad}${keyText}: ${scalar(value, column, indent + 2)}`);
    }
  }
}

function seqLines(items: unknown[], indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  for (const item of items) {
    const empty = isEmptyCollection(item);
    if (empty !== undefined) {
      out.push(`${pad}- ${empty}`);
      continue;
    }
    if (isRecord(item) || Array.isArray(item)) {
      const nested: string[] = [];
      if (isRecord(item)) mapLines(item, indent + 2, nested);
      else seqLines(item, indent + 2, nested);
      const [first = '', ...rest] = nested;
      out.push(`${pad}- ${first.slice(indent + 2)}`, ...rest);
      continue;
    }
    out.push(`${pad}- ${scalar(item, indent + 2, indent + 2)}`);
  }
}

/** One YAML document for a value (normally an object), ending in a newline. */
export function toYaml(value: unknown): string {
  const empty = isEmptyCollection(value);
  if (empty !== undefined) return `${empty}\n`;
  const lines: string[] = [];
  if (isRecord(value)) mapLines(value, 0, lines);
  else if (Array.isArray(value)) seqLines(value, 0, lines);
  else lines.push(scalar(value, 0, 0));
  return `${lines.join('\n')}\n`;
}
