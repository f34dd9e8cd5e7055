// Evaluates a parsed JSONPath template against JSON data the way client-go's JSONPath.FindResults
// does, including its range/end bookkeeping.

import { isRecord } from '../../../api/object.js';
import { compareBytes, goSprint } from '../go-format.js';
import { compareFilter, type FilterOperand } from './compare.js';
import type { JsonPathNode, ListNode } from './nodes.js';

/** Go's invalid reflect.Value: what `{@}` is inside a range over a null element. */
export const NO_VALUE: unique symbol = Symbol('no value');

export class JsonPathExecError extends Error {
  override name = 'JsonPathExecError';
}

/** The Go type name kubectl's messages use for a JSON value. */
export function goTypeName(v: unknown): string {
  if (Array.isArray(v)) return '[]interface {}';
  if (isRecord(v)) return 'map[string]interface {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return 'interface {}';
}

export class JsonPathEvaluator {
  private beginRange = 0;
  private inRange = 0;
  private endRange = 0;
  private lastEndNode: JsonPathNode | undefined;

  constructor(
    private readonly root: ListNode,
    private readonly allowMissingKeys: boolean,
  ) {}

  findResults(data: unknown, nodes: JsonPathNode[] = this.root.nodes): unknown[][] {
    const cur = [data === null || data === undefined ? NO_VALUE : data];
    const full: unknown[][] = [];
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i] as JsonPathNode;
      const results = this.walk(cur, node);
      if (this.endRange > 0 && this.endRange <= this.inRange) {
        this.endRange -= 1;
        this.lastEndNode = node;
        break;
      }
      if (this.beginRange > 0) {
        this.beginRange -= 1;
        this.inRange += 1;
        const body = nodes.slice(i + 1);
        if (results.length > 0) for (const value of results) full.push(...this.findResults(value, body));
        // An empty range still walks its body (output discarded) to find where its {end} is.
        else this.findResults(undefined, body);
        this.inRange -= 1;
        const end = nodes.indexOf(this.lastEndNode as JsonPathNode, i + 1);
        if (end >= 0) i = end;
        continue;
      }
      full.push(results);
    }
    return full;
  }

  private walk(input: unknown[], node: JsonPathNode): unknown[] {
    switch (node.kind) {
      case 'list':
        return this.evalList(input, node);
      case 'text':
        return [node.text];
      case 'field':
        return this.evalField(input, node.name);
      case 'array':
        return this.evalArray(input, node);
      case 'filter':
        return this.evalFilter(input, node);
      case 'int':
      case 'float':
      case 'bool':
        return input.map(() => node.value);
      case 'wildcard':
        return input.flatMap(children);
      case 'recursive':
        return this.evalRecursive(input);
      case 'union':
        return node.branches.flatMap((branch) => this.evalList(input, branch));
      case 'identifier':
        return this.evalIdentifier(input, node.name);
      default: {
        const no: never = node;
        throw new JsonPathExecError(`unexpected Node ${String(no)}`);
      }
    }
  }

  private evalList(input: unknown[], list: ListNode): unknown[] {
    let value = input;
    for (const node of list.nodes) value = this.walk(value, node);
    return value;
  }

  private evalIdentifier(input: unknown[], name: string): unknown[] {
    if (name === 'range') {
      this.beginRange += 1;
      return input;
    }
    if (name === 'end') {
      if (this.endRange < this.inRange) {
        this.endRange += 1;
        return [];
      }
      throw new JsonPathExecError('not in range, nothing to end');
    }
    throw new JsonPathExecError(`unrecognized identifier ${name}`);
  }

  private evalField(input: unknown[], name: string): unknown[] {
    const results: unknown[] = [];
    if (input.length === 0) return results;
    for (const value of input) {
      if (isRecord(value) && Object.hasOwn(value, name)) results.push(value[name]);
    }
    if (results.length === 0 && !this.allowMissingKeys) throw new JsonPathExecError(`${name} is not found`);
    return results;
  }

  private evalArray(input: unknown[], node: Extract<JsonPathNode, { kind: 'array' }>): unknown[] {
    const result: unknown[] = [];
    for (const value of input) {
      if (value === null || value === NO_VALUE) continue;
      if (!Array.isArray(value)) throw new JsonPathExecError(`${goTypeName(value)} is not array or slice`);
      const length = value.length;
      const [p0, p1, p2] = node.params;
      let start = p0.known ? p0.value : 0;
      if (start < 0) start += length;
      let end = p1.known ? p1.value : length;
      if (end < 0 || (end === 0 && p1.derived)) end += length;
      if (end === start) return result;
      if (start >= length || start < 0) {
        throw new JsonPathExecError(`array index out of bounds: index ${start}, length ${length}`);
      }
      if (end > length || end < 0) {
        throw new JsonPathExecError(`array index out of bounds: index ${end - 1}, length ${length}`);
      }
      if (start > end) throw new JsonPathExecError(`starting index ${start} is greater than ending index ${end}`);
      let step = 1;
      if (p2.known) {
        if (p2.value <= 0) throw new JsonPathExecError('step must be > 0');
        step = p2.value;
      }
      for (let i = start; i < end; i += step) result.push(value[i]);
    }
    return result;
  }

  private evalRecursive(input: unknown[]): unknown[] {
    const result: unknown[] = [];
    for (const value of input) {
      const kids = children(value);
      if (kids.length === 0) continue;
      result.push(value, ...this.evalRecursive(kids));
    }
    return result;
  }

  private evalFilter(input: unknown[], node: Extract<JsonPathNode, { kind: 'filter' }>): unknown[] {
    const results: unknown[] = [];
    for (const value of input) {
      if (!Array.isArray(value)) {
        throw new JsonPathExecError(`${goSprint(value === NO_VALUE ? null : value)} is not array or slice and cannot be filtered`);
      }
      for (const item of value) {
        if (node.operator === 'exists') {
          let lefts: unknown[] = [];
          try {
            lefts = this.evalList([item], node.left);
          } catch {
            lefts = [];
          }
          if (lefts.length > 0) results.push(item);
          continue;
        }
        const lefts = this.evalList([item], node.left);
        if (lefts.length === 0) continue;
        if (lefts.length > 1) throw new JsonPathExecError('can only compare one element at a time');
        const rights = this.evalList([item], node.right);
        if (rights.length === 0) continue;
        if (rights.length > 1) throw new JsonPathExecError('can only compare one element at a time');
        const pass = compareFilter(node.operator, operand(lefts[0], node.left), operand(rights[0], node.right));
        if (pass) results.push(item);
      }
    }
    return results;
  }
}

/** A side that is a bare literal keeps its template kind; a path yields data. */
function operand(value: unknown, side: ListNode): FilterOperand {
  const only = side.nodes.length === 1 ? side.nodes[0] : undefined;
  if (only?.kind === 'int') return { value, kind: 'int' };
  if (only?.kind === 'float') return { value, kind: 'float' };
  if (value === NO_VALUE) return { value: undefined };
  return { value };
}

/** The elements a wildcard or recursive descent visits; map entries in sorted key order. */
function children(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isRecord(value)) return Object.keys(value).sort(compareBytes).map((k) => value[k]);
  return [];
}
