// `-o custom-columns=HEADER:path,…` and `-o custom-columns-file=FILE` (kubectl get's CustomColumnsPrinter).

import { escapeTerminal, goSprint } from './go-format.js';
import { PrinterError } from './errors.js';
import { jsonPathResults, parseJsonPath } from './jsonpath/index.js';
import { formatColumns } from './tabwriter.js';
import type { Output } from './types.js';

export interface CustomColumn {
  header: string;
  /** A full template such as `{.metadata.name}`. */
  fieldSpec: string;
}

const relaxedPattern = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/;

/** Accepts `a.b`, `.a.b`, `{a.b}` and `{.a.b}`; returns `{.a.b}`. */
export function relaxedJsonPathExpression(expr: string): string {
  if (expr === '') return expr;
  const match = relaxedPattern.exec(expr);
  if (!match) {
    throw new PrinterError(
      "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'",
    );
  }
  return `{.${match[1] ?? match[2] ?? ''}}`;
}

function checked(columns: CustomColumn[]): CustomColumn[] {
  for (const column of columns) {
    try {
      parseJsonPath(column.fieldSpec);
    } catch (err) {
      throw new PrinterError(err instanceof Error ? err.message : String(err));
    }
  }
  return columns;
}

export function parseCustomColumnsSpec(spec: string): CustomColumn[] {
  if (spec === '') throw new PrinterError('custom-columns format specified but no custom columns given');
  return checked(
    spec.split(',').map((part) => {
      const colon = part.indexOf(':');
      if (colon < 0) {
        throw new PrinterError(`unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr>`);
      }
      return { header: part.slice(0, colon), fieldSpec: relaxedJsonPathExpression(part.slice(colon + 1)) };
    }),
  );
}

const templateFormat = 'Expected format is one line of space separated headers, one line of space separated column specs.';

/** A custom-columns file: a line of headers, then a line of field specs, whitespace separated. */
export function parseCustomColumnsTemplate(text: string): CustomColumn[] {
  const lines = text.split(/\r?\n/);
  if (lines.length < 1 || (lines.length === 1 && lines[0] === '')) {
    throw new PrinterError(`invalid template, missing header line. ${templateFormat}`);
  }
  const headers = words(lines[0] ?? '');
  if (lines.length < 2) throw new PrinterError(`invalid template, missing spec line. ${templateFormat}`);
  const specs = words(lines[1] ?? '');
  if (headers.length !== specs.length) {
    throw new PrinterError(`number of headers (${headers.length}) and field specifications (${specs.length}) don't match`);
  }
  return checked(headers.map((header, i) => ({ header, fieldSpec: relaxedJsonPathExpression(specs[i] ?? '') })));
}

function words(line: string): string[] {
  return line.split(/\s+/).filter((w) => w !== '');
}

function cell(column: CustomColumn, obj: unknown): string {
  const sets = jsonPathResults(column.fieldSpec, obj, true);
  const values: string[] = [];
  if (sets.length === 0 || (sets[0]?.length ?? 0) === 0) values.push('<none>');
  for (const set of sets) for (const v of set) values.push(escapeTerminal(v === undefined ? '<no value>' : goSprint(v)));
  return values.join(',');
}

/**
 * Prints the objects (list items already extracted) as aligned columns. On a failing cell the lines
 * already laid out are still written before the error propagates, as kubectl's deferred flush does.
 */
export function printCustomColumns(columns: CustomColumn[], objs: unknown[], noHeaders: boolean, out: Output): void {
  let text = '';
  if (!noHeaders) text += `${columns.map((c) => c.header).join('\t')}\n`;
  try {
    for (const obj of objs) text += `${columns.map((c) => cell(c, obj)).join('\t')}\n`;
  } finally {
    out.write(formatColumns(text));
  }
}
