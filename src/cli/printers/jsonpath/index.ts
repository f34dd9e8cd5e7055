// kubectl's JSONPath templates (`-o jsonpath=…`, `jsonpath-as-json`, custom-columns cells).

import { goJson, goNumber, goQuote, goSharpV } from '../go-format.js';
import { PrinterError } from '../errors.js';
import { isRecord } from '../../../api/object.js';
import { JsonPathEvaluator, NO_VALUE } from './evaluator.js';
import type { ListNode } from './nodes.js';
import { parseJsonPath } from './parser.js';

export interface JsonPathOptions {
  /** kubectl's --allow-missing-template-keys (default true): a missing field yields nothing. */
  allowMissingKeys?: boolean;
  /** `-o jsonpath-as-json`: each result set printed as an indented JSON array. */
  outputJson?: boolean;
}

export interface CompiledJsonPath {
  /** Render the template; throws PrinterError with kubectl's message on failure. */
  execute(data: unknown): string;
}

function parseOrThrow(template: string): ListNode {
  try {
    return parseJsonPath(template);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new PrinterError(`error parsing jsonpath ${template}, ${reason}`);
  }
}

export function compileJsonPath(template: string, options: JsonPathOptions = {}): CompiledJsonPath {
  const root = parseOrThrow(template);
  const allowMissingKeys = options.allowMissingKeys ?? true;
  return {
    execute(data: unknown): string {
      try {
        const sets = new JsonPathEvaluator(root, allowMissingKeys).findResults(data);
        return sets.map((set) => (options.outputJson ? printAsJson(set) : printResults(set))).join('');
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        const debug =
          `Error executing template: ${reason}. Printing more information for debugging the template:\n` +
          `\ttemplate was:\n\t\t${template}\n` +
          `\tobject given to jsonpath engine was:\n\t\t${goSharpV(data)}\n\n`;
        throw new PrinterError(`error executing jsonpath ${goQuote(template)}: ${debug}\n`);
      }
    },
  };
}

/**
 * The values each part of a template selects (client-go FindResults): one inner array per
 * expression. Missing fields give empty arrays unless allowMissingKeys is false.
 */
export function jsonPathResults(expr: string, data: unknown, allowMissingKeys = true): unknown[][] {
  const root = parseOrThrow(expr);
  try {
    const sets = new JsonPathEvaluator(root, allowMissingKeys).findResults(data);
    return sets.map((set) => set.map((v) => (v === NO_VALUE ? undefined : v)));
  } catch (err) {
    throw new PrinterError(err instanceof Error ? err.message : String(err));
  }
}

function printResults(results: unknown[]): string {
  return results.map(valueText).join(' ');
}

function valueText(v: unknown): string {
  if (v === NO_VALUE) return '<no value>';
  if (Array.isArray(v) || isRecord(v)) return goJson(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goNumber(v);
  return String(v);
}

function printAsJson(results: unknown[]): string {
  return `${goJson(results.map((v) => (v === NO_VALUE ? null : v)), '    ')}\n`;
}

export { parseJsonPath } from './parser.js';
