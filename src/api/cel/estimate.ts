// The static worst-case cost of a CEL expression, estimated as cel-go's checker does (checker/cost.go) with the
// sizes Kubernetes declares for schema-typed variables (decl-type.ts): every identifier and field selection costs
// 1, literals nothing, functions that traverse strings, bytes or lists are charged by the largest size their
// operands can have (0.1 per character, 1 per element; `matches` by string size times pattern size), and a
// comprehension costs its per-element work times the most elements its range can hold. The unit is the one the
// runtime meter uses (cost.ts), so an expression estimated under a limit stays under it at run time.
//
// The walk reads the parsed tree of @marcbachmann/cel-js (`{op, args}` nodes). Its depth is bounded by the
// environment's parse limits; sizes and costs saturate at 2^64 as cel-go's unsigned arithmetic does.
import { Environment } from '@marcbachmann/cel-js';
import type { DeclType } from './decl-type.js';

const max = 2 ** 64;
const add = (...xs: number[]) => Math.min(max, xs.reduce((a, b) => a + b, 0));
const mul = (a: number, b: number) => (a === 0 || b === 0 ? 0 : Math.min(max, a * b));
const factor = (size: number, f: number) => (size >= max ? max : Math.min(max, Math.ceil(size * f)));
/** cel-go's StringTraversalCostFactor and RegexStringLengthCostFactor. */
const stringTraversal = 0.1;
const regexLength = 0.25;
const listCreateBase = 10;
const mapCreateBase = 30;

type Kind = 'string' | 'bytes' | 'list' | 'map' | 'object' | 'scalar';

/** What the walk knows of a subexpression: its worst cost, and where known its largest size and type. */
interface Info {
  cost: number;
  size?: number;
  kind?: Kind;
  decl?: DeclType;
  /** For lists and maps built in the expression: the largest size of one element. */
  elemSize?: number;
}

interface Node {
  op: string;
  args: unknown;
}

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && typeof (v as Node).op === 'string';

function kindOf(decl: DeclType | undefined): Kind | undefined {
  switch (decl?.kind) {
    case undefined:
    case 'dyn':
      return undefined;
    case 'string':
    case 'bytes':
    case 'list':
    case 'map':
    case 'object':
      return decl.kind;
    default:
      return 'scalar';
  }
}

/** A variable in scope: its declared type (schema variables) or what is known of its value (locals). */
type Binding = { decl?: DeclType; info?: Info };
type Scope = ReadonlyMap<string, Binding>;

/** The size an operand can reach at most (unknown: 2^64). Path-typed scalars have size 0, as Kubernetes sizes them. */
function sizeOf(i: Info): number {
  if (i.size !== undefined) return i.size;
  if (i.decl) return i.decl.maxElements;
  if (i.kind === 'scalar') return 1;
  return max;
}

const scalar = (cost: number): Info => ({ cost, kind: 'scalar', size: 1 });

// Functions whose result is a string about as long as their receiver (the Kubernetes string library).
const stringTransforms = new Set(['lowerAscii', 'upperAscii', 'trim', 'substring', 'replace', 'format', 'reverse', 'quote']);
// Kubernetes list functions that read every element.
const listTraversals = new Set(['isSorted', 'sum', 'min', 'max', 'indexOf', 'lastIndexOf']);
const comprehensions = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

class Estimator {
  constructor(private readonly depthLimit = 200) {}

  visit(n: unknown, scope: Scope, depth: number): Info {
    if (!isNode(n) || depth > this.depthLimit) return { cost: 0 };
    const a = n.args;
    switch (n.op) {
      case 'value':
        return literal(a);
      case 'id': {
        const b = typeof a === 'string' ? scope.get(a) : undefined;
        const decl = b?.decl ?? b?.info?.decl;
        return { ...b?.info, cost: 1, decl, kind: b?.info?.kind ?? kindOf(decl) };
      }
      case '.':
      case '.?': {
        const [operand, name] = Array.isArray(a) ? a : [];
        const o = this.visit(operand, scope, depth + 1);
        const decl = typeof name === 'string' ? o.decl?.fields?.get(name) ?? (o.decl?.kind === 'map' ? o.decl.elem : undefined) : undefined;
        const selects = o.kind === 'object' || o.kind === 'map' || o.kind === undefined;
        return { cost: add(o.cost, selects ? 1 : 0), decl, kind: kindOf(decl) };
      }
      case '[]':
      case '[?]': {
        const [operand, index] = Array.isArray(a) ? a : [];
        const o = this.visit(operand, scope, depth + 1);
        const i = this.visit(index, scope, depth + 1);
        const decl = o.decl?.elem;
        return { cost: add(o.cost, i.cost, 1), decl, kind: kindOf(decl), size: decl ? undefined : o.elemSize };
      }
      case 'list': {
        const items = Array.isArray(a) ? a.map((x) => this.visit(x, scope, depth + 1)) : [];
        return { cost: add(listCreateBase, ...items.map((i) => i.cost)), kind: 'list', size: items.length, elemSize: items.length ? Math.max(...items.map(sizeOf)) : 0 };
      }
      case 'map': {
        const entries = Array.isArray(a) ? a : [];
        let cost = mapCreateBase;
        const values: Info[] = [];
        for (const e of entries) {
          if (!Array.isArray(e)) continue;
          cost = add(cost, this.visit(e[0], scope, depth + 1).cost);
          const v = this.visit(e[1], scope, depth + 1);
          values.push(v);
          cost = add(cost, v.cost);
        }
        return { cost, kind: 'map', size: entries.length, elemSize: values.length ? Math.max(...values.map(sizeOf)) : 0 };
      }
      case '&&':
      case '||': {
        const [l, r] = Array.isArray(a) ? a : [];
        return scalar(add(this.visit(l, scope, depth + 1).cost, this.visit(r, scope, depth + 1).cost));
      }
      case '?:': {
        const [c, t, f] = Array.isArray(a) ? a.map((x) => this.visit(x, scope, depth + 1)) : [];
        if (!c || !t || !f) return { cost: 0 };
        const kind = t.kind === f.kind ? t.kind : undefined;
        return { cost: add(c.cost, Math.max(t.cost, f.cost)), kind, size: Math.max(sizeOf(t), sizeOf(f)), decl: t.decl === f.decl ? t.decl : undefined };
      }
      case '!_':
      case '-_': {
        if (n.op === '-_' && isNode(a) && a.op === 'value') return literal(a.args);
        return scalar(add(1, this.visit(a, scope, depth + 1).cost));
      }
      case '==':
      case '!=':
      case '<':
      case '<=':
      case '>':
      case '>=': {
        const [l, r] = Array.isArray(a) ? a.map((x) => this.visit(x, scope, depth + 1)) : [];
        if (!l || !r) return scalar(1);
        const ordered = n.op !== '==' && n.op !== '!=';
        const traverses = !ordered || l.kind === 'string' || l.kind === 'bytes' || r.kind === 'string' || r.kind === 'bytes';
        const work = traverses ? factor(Math.min(sizeOf(l), sizeOf(r)), stringTraversal) : 1;
        return scalar(add(l.cost, r.cost, work));
      }
      case 'in': {
        const [l, r] = Array.isArray(a) ? a.map((x) => this.visit(x, scope, depth + 1)) : [];
        if (!l || !r) return scalar(1);
        return scalar(add(l.cost, r.cost, r.kind === 'map' || r.kind === 'object' ? 1 : sizeOf(r)));
      }
      case '+': {
        const [l, r] = Array.isArray(a) ? a.map((x) => this.visit(x, scope, depth + 1)) : [];
        if (!l || !r) return scalar(1);
        const kind = l.kind && l.kind !== 'scalar' ? l.kind : r.kind;
        if (kind === 'string' || kind === 'bytes') {
          const size = add(sizeOf(l), sizeOf(r));
          return { cost: add(l.cost, r.cost, factor(size, stringTraversal)), kind, size };
        }
        if (kind === 'list') return { cost: add(l.cost, r.cost, 1), kind, size: add(sizeOf(l), sizeOf(r)), decl: l.decl ?? r.decl, elemSize: Math.max(l.elemSize ?? 0, r.elemSize ?? 0) || undefined };
        return scalar(add(l.cost, r.cost, 1));
      }
      case '-':
      case '*':
      case '/':
      case '%': {
        const [l, r] = Array.isArray(a) ? a : [];
        return scalar(add(this.visit(l, scope, depth + 1).cost, this.visit(r, scope, depth + 1).cost, 1));
      }
      case 'call': {
        const [name, args] = Array.isArray(a) ? a : [];
        return this.call(String(name), undefined, Array.isArray(args) ? args : [], scope, depth);
      }
      case 'rcall': {
        const [name, target, args] = Array.isArray(a) ? a : [];
        return this.call(String(name), target, Array.isArray(args) ? args : [], scope, depth);
      }
      default:
        return { cost: 1 };
    }
  }

  call(name: string, targetNode: unknown, argNodes: unknown[], scope: Scope, depth: number): Info {
    if (targetNode !== undefined && comprehensions.has(name) && argNodes.length >= 2) return this.comprehension(name, targetNode, argNodes, scope, depth);
    if (name === 'bind' && isNode(targetNode) && targetNode.op === 'id' && targetNode.args === 'cel' && argNodes.length === 3) {
      const [v, init, body] = argNodes;
      const i = this.visit(init, scope, depth + 1);
      const inner = new Map(scope);
      if (isNode(v) && typeof v.args === 'string') inner.set(v.args, { decl: i.decl, info: i });
      const b = this.visit(body, inner, depth + 1);
      return { ...b, cost: add(listCreateBase, i.cost, b.cost) };
    }
    if (name === 'has' && targetNode === undefined) {
      // a presence test costs only what reaching its operand costs
      const [operand] = argNodes;
      const o = isNode(operand) && Array.isArray(operand.args) ? this.visit(operand.args[0], scope, depth + 1) : { cost: 0 };
      return scalar(o.cost);
    }
    const target = targetNode === undefined ? undefined : this.visit(targetNode, scope, depth + 1);
    const args = argNodes.map((x) => this.visit(x, scope, depth + 1));
    const argCost = add(target?.cost ?? 0, ...args.map((x) => x.cost));
    // the receiver of a member call, or the first argument of a global one
    const subject = target ?? args[0];
    const other = target ? args[0] : args[1];
    switch (name) {
      case 'dyn':
        return { ...(args[0] ?? { cost: 0 }), cost: add(1, argCost) };
      case 'matches':
        if (subject && other) return scalar(add(argCost, mul(factor(add(sizeOf(subject), 1), stringTraversal), factor(sizeOf(other), regexLength))));
        break;
      case 'contains':
        if (subject && other) return scalar(add(argCost, mul(factor(sizeOf(subject), stringTraversal), factor(sizeOf(other), stringTraversal))));
        break;
      case 'startsWith':
      case 'endsWith':
        if (other) return scalar(add(argCost, factor(sizeOf(other), stringTraversal)));
        break;
      case 'string':
      case 'bytes':
        if (subject && (subject.kind === 'string' || subject.kind === 'bytes')) return { cost: add(argCost, factor(sizeOf(subject), stringTraversal)), kind: name, size: sizeOf(subject) };
        return { cost: add(argCost, 1), kind: name };
      case 'split':
        if (subject) return { cost: add(argCost, factor(sizeOf(subject), stringTraversal)), kind: 'list', size: sizeOf(subject), elemSize: sizeOf(subject) };
        break;
      case 'join':
        if (subject) return { cost: add(argCost, mul(sizeOf(subject), factor(subject.decl?.elem?.maxElements ?? subject.elemSize ?? max, stringTraversal))), kind: 'string' };
        break;
    }
    if (subject && stringTransforms.has(name)) return { cost: add(argCost, factor(sizeOf(subject), stringTraversal)), kind: 'string', size: sizeOf(subject) };
    if (subject && listTraversals.has(name)) return scalar(add(argCost, subject.kind === 'string' ? factor(sizeOf(subject), stringTraversal) : sizeOf(subject)));
    return scalar(add(argCost, 1));
  }

  /**
   * all/exists/exists_one/map/filter, costed as cel-go costs their expansion: the range once, then per element
   * the loop condition and step (which hold the predicate), plus the accumulator's set-up and result.
   */
  comprehension(name: string, rangeNode: unknown, argNodes: unknown[], scope: Scope, depth: number): Info {
    const range = this.visit(rangeNode, scope, depth + 1);
    const n = sizeOf(range);
    const vars = argNodes.slice(0, -1).filter(isNode).map((v) => (typeof v.args === 'string' ? v.args : ''));
    const inner = new Map(scope);
    const elemDecl = range.decl?.kind === 'map' ? range.decl.key : range.decl?.elem;
    const elemInfo: Info | undefined = range.decl ? undefined : { cost: 0, size: range.elemSize };
    // two-variable forms: the first is the index or key, the second the element or value
    if (vars.length === 2) {
      inner.set(vars[0]!, { info: scalar(0) });
      inner.set(vars[1]!, { decl: range.decl?.elem, info: elemInfo });
    } else if (vars[0] !== undefined) inner.set(vars[0], { decl: elemDecl, info: elemInfo });
    const bodies = argNodes.slice(vars.length).map((x) => this.visit(x, inner, depth + 1));
    const p = bodies[0]?.cost ?? 0;
    const q = bodies[1]?.cost ?? 0;
    switch (name) {
      case 'all':
        return scalar(add(range.cost, 1, mul(n, add(3, p))));
      case 'exists':
        return scalar(add(range.cost, 1, mul(n, add(4, p))));
      case 'exists_one':
        return scalar(add(range.cost, 2, mul(n, add(2, p))));
      case 'filter':
        return { cost: add(range.cost, listCreateBase + 1, mul(n, add(13, p))), kind: 'list', size: n, decl: range.decl?.kind === 'list' ? range.decl : undefined, elemSize: range.elemSize };
      default: {
        // map(x, f) or map(x, p, f)
        const step = bodies.length >= 2 ? add(p, Math.max(add(12, q), 1)) : add(12, p);
        const produced = bodies[bodies.length - 1];
        return { cost: add(range.cost, listCreateBase + 1, mul(n, step)), kind: 'list', size: n, elemSize: produced ? sizeOf(produced) : undefined };
      }
    }
  }
}

function literal(v: unknown): Info {
  if (typeof v === 'string') return { cost: 0, kind: 'string', size: [...v].length };
  if (v instanceof Uint8Array) return { cost: 0, kind: 'bytes', size: v.length };
  return { cost: 0, kind: 'scalar', size: 1 };
}

// A parser for estimates only: the expressions were compiled by their own environment already.
const parser = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false, enableOptionalTypes: true, limits: { maxAstNodes: 10000, maxDepth: 100, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 } });

/**
 * The worst-case cost of `expression` with the given variables typed by their schemas (a variable without a
 * declared type is of unknown size), or undefined when it does not parse.
 */
export function estimateCost(expression: string, variables: Readonly<Record<string, DeclType | undefined>>): number | undefined {
  let ast: unknown;
  try {
    ast = parser.parse(expression).ast;
  } catch {
    return undefined;
  }
  const scope = new Map<string, Binding>();
  for (const [k, decl] of Object.entries(variables)) scope.set(k, { decl });
  return new Estimator().visit(ast, scope, 0).cost;
}
