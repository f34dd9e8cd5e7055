// Runtime cost of CEL evaluations, bounded as Kubernetes bounds them: every expression evaluation has a cost
// limit (PerCallLimit) and every object's (or binding's) evaluations share a budget (RuntimeCELCostBudget).
//
// @marcbachmann/cel-js has no cost tracker of its own. Every step of its tree-walking evaluator passes through
// the evaluator's `run(node, ctx)`, so an environment is metered by replacing `run` on its evaluator instance:
// each step costs 1, and operators and functions that traverse strings, bytes or lists are charged by the size
// of what they traverse (0.1 per character or byte, 1 per element), the shape of cel-go's runtime cost model.
// The meter of an evaluation travels in its activation under a symbol (evaluation may be asynchronous, so a
// module-wide "current meter" alone could not tell concurrent evaluations apart): a step started from outside any
// other step (the first, or a continuation after an await) reads it from its context and makes it current for the
// steps it runs synchronously.
//
// A step over the limit throws; the evaluator swallows some errors (`||`, `&&`, `exists`), so the meter also
// remembers that it ran out and the evaluation is failed afterwards whatever it returned.
import type { Environment } from '@marcbachmann/cel-js';
import { goMatchesHandle } from './regex.js';

/** Cost limit of one expression evaluation (k8s.io/apiserver/pkg/apis/cel PerCallLimit). */
export const perCallLimit = 1_000_000;
/** Budget of all evaluations for one custom resource, or one policy binding (RuntimeCELCostBudget). */
export const runtimeCelCostBudget = 10_000_000;
/** Budget of one webhook's (or binding's) matchConditions (RuntimeCELCostBudgetMatchConditions). */
export const runtimeCelCostBudgetMatchConditions = 2_500_000;

/** cel-go's error when an evaluation passes its cost limit. */
export const costLimitExceededMessage = 'operation cancelled: actual cost limit exceeded';
/** Kubernetes' text when the evaluations of one object or binding used up their budget. */
export const outOfBudgetMessage = 'validation failed due to running out of cost budget, no further validation rules will be run';

export class CostLimitExceededError extends Error {
  override name = 'CostLimitExceededError';
  constructor() {
    super(costLimitExceededMessage);
  }
}

/** The cost of one evaluation so far; `exceeded` once it passed `limit`. */
export interface CostMeter {
  cost: number;
  readonly limit: number;
  exceeded: boolean;
}

const meterKey = Symbol('cel cost meter');

// What the evaluator hands to `run`: a node and the evaluation context (whose getValue reaches the activation).
interface EvalNode {
  op: string;
  args: unknown;
  handle?: unknown;
  evaluate(ev: unknown, node: EvalNode, ctx: EvalContext): unknown;
}
interface EvalContext {
  getValue(key: unknown): unknown;
}
type Handle = (...args: unknown[]) => unknown;

function charge(m: CostMeter, n: number): void {
  if (m.exceeded) throw new CostLimitExceededError();
  m.cost += n;
  if (m.cost > m.limit) {
    m.exceeded = true;
    throw new CostLimitExceededError();
  }
}

/** What traversing a value costs: 0.1 per character or byte, 1 per list element or map entry. */
function traversal(v: unknown): number {
  if (typeof v === 'string') return Math.ceil(v.length * 0.1);
  if (v instanceof Uint8Array) return Math.ceil(v.length * 0.1);
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map || v instanceof Set) return v.size;
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.keys(v).length;
  return 0;
}

// Operators whose work grows with their operands; `in` only when its right side is a list (a map lookup is O(1)).
const traversingOperators = new Set(['==', '!=', '+', '<', '<=', '>', '>=', 'in']);
const meteredOps = new Set([...traversingOperators, 'call', 'rcall']);
// Functions that read a fixed part of their arguments whatever their size.
const constantFunctions = new Set(['size', 'int', 'uint', 'double', 'bool', 'dyn', 'type', 'duration', 'timestamp', 'hasValue', 'value', 'or', 'orValue', 'of', 'none', 'at', 'allowed', 'reason', 'errored', 'error']);

const metered = new WeakSet<Handle>();
// The meter of the step running synchronously; a handle is called from inside its node's step, possibly with
// operands still pending (then the meter is captured before they settle).
let current: CostMeter | undefined;

function settle(values: unknown[], then: (resolved: unknown[]) => unknown): unknown {
  return values.some((v) => v instanceof Promise) ? Promise.all(values).then(then) : then(values);
}

function meterHandle(node: EvalNode, handle: Handle): Handle {
  let wrapped: Handle;
  if (node.op === 'call' || node.op === 'rcall') {
    const name = Array.isArray(node.args) ? node.args[0] : undefined;
    if (typeof name === 'string' && constantFunctions.has(name)) return handle;
    // matches() runs on Go's regular expressions (regex.ts) rather than the library's V8 RegExp.
    if (name === 'matches') handle = goMatchesHandle(handle);
    // call: handle(args, node, ev); rcall: handle(receiverAndArgs, ev, node)
    const chargeArgs = (m: CostMeter, list: unknown) => {
      if (!Array.isArray(list)) return;
      let n = 0;
      for (const v of list) n += traversal(v);
      if (n > 0) charge(m, n);
    };
    wrapped = function meteredCall(args: unknown, a: unknown, b: unknown) {
      const m = current;
      if (!m) return handle(args, a, b);
      if (args instanceof Promise) {
        return args.then((list: unknown) => {
          chargeArgs(m, list);
          return handle(list, a, b);
        });
      }
      chargeArgs(m, args);
      return handle(args, a, b);
    };
  } else {
    const isIn = node.op === 'in';
    wrapped = function meteredOperator(left: unknown, right: unknown, a: unknown, b: unknown) {
      const m = current;
      if (!m) return handle(left, right, a, b);
      return settle([left, right], ([l, r]) => {
        charge(m, isIn ? (Array.isArray(r) ? r.length : 0) : traversal(l) + traversal(r));
        return handle(l, r, a, b);
      });
    };
  }
  metered.add(wrapped);
  return wrapped;
}

function meteredRun(this: unknown, node: EvalNode, ctx: EvalContext): unknown {
  return meteredStep(node.evaluate, this, node, ctx);
}

/** One metered step: `evaluate` is the node's own evaluation (the root's as it was before `parseMetered`). */
function meteredStep(evaluate: EvalNode['evaluate'], ev: unknown, node: EvalNode, ctx: EvalContext): unknown {
  // Inside a step `current` is that evaluation's meter: microtasks (the continuations of asynchronous
  // evaluations) never run while a step is on the stack. Outside any step, the context knows the meter.
  const outer = current;
  const m = outer ?? (ctx.getValue(meterKey) as CostMeter | undefined);
  if (m === undefined) return evaluate.call(node, ev, node, ctx);
  charge(m, 1);
  if (meteredOps.has(node.op)) {
    const h = node.handle;
    if (typeof h === 'function' && !metered.has(h as Handle)) node.handle = meterHandle(node, h as Handle);
  }
  if (outer === m) return evaluate.call(node, ev, node, ctx);
  current = m;
  try {
    return evaluate.call(node, ev, node, ctx);
  } finally {
    current = outer;
  }
}

/**
 * Parses an expression of a metered environment. The library evaluates a program's root node itself rather than
 * through the evaluator's `run`, so the root's evaluation is wrapped here to be metered (and its handles replaced)
 * like every other step.
 */
export function parseMetered(env: Environment, expression: string): ReturnType<Environment['parse']> {
  const program = env.parse(expression);
  const root = program.ast as unknown as EvalNode;
  const evaluate = root.evaluate;
  root.evaluate = function meteredRoot(ev: unknown, node: EvalNode, ctx: EvalContext) {
    return meteredStep(evaluate, ev, node, ctx);
  };
  return program;
}

/**
 * Meters an environment: from now on every evaluation whose activation went through `withMeter` is charged.
 * The evaluator is reached through the first step of a trivial evaluation (it is private to the environment).
 */
export function meterEnvironment<E extends Environment>(env: E): E {
  const probe = env.parse('true');
  const root = probe.ast as unknown as EvalNode;
  let evaluator: Record<string, unknown> | undefined;
  root.evaluate = function capture(ev: unknown) {
    evaluator = ev as Record<string, unknown>;
    return true;
  };
  probe({});
  if (!evaluator || typeof evaluator.run !== 'function') throw new Error('CEL evaluator not reachable for cost metering');
  evaluator.run = meteredRun;
  return env;
}

/** A fresh meter with the given limit. */
function newMeter(limit: number): CostMeter {
  return { cost: 0, limit, exceeded: false };
}

/** The activation with a meter attached (the activation itself is not changed). */
function withMeter(activation: Record<string, unknown>, meter: CostMeter): Record<string, unknown> {
  return Object.create(activation, { [meterKey]: { value: meter } }) as Record<string, unknown>;
}

/** The outcome of one metered evaluation: its value or error, and what it cost. */
export type MeteredResult = { ok: true; value: unknown; cost: number } | { ok: false; error: Error; cost: number };

function failed(e: unknown, meter: CostMeter): MeteredResult {
  const error = meter.exceeded ? new CostLimitExceededError() : e instanceof Error ? e : new Error(String(e));
  return { ok: false, error, cost: meter.cost };
}

/**
 * Starts a metered evaluation: the root step costs 1 like any other, and its operator is metered too (the
 * engine evaluates the root without `run`; its handle exists once the program was type-checked, at its first
 * evaluation, so only a program's very first evaluation leaves the root operator's traversal uncharged).
 */
function runRoot(program: (activation: Record<string, unknown>) => unknown, activation: Record<string, unknown>, meter: CostMeter): unknown {
  const root = (program as { ast?: unknown }).ast as EvalNode | undefined;
  if (root && meteredOps.has(root.op) && typeof root.handle === 'function' && !metered.has(root.handle as Handle)) root.handle = meterHandle(root, root.handle as Handle);
  charge(meter, 1);
  const outer = current;
  current = meter;
  try {
    return program(withMeter(activation, meter));
  } finally {
    current = outer;
  }
}

/**
 * Runs a program under a per-call limit. Passing the limit fails the evaluation with cel-go's error, even when
 * the evaluator swallowed it on its way out.
 */
export function evaluateMetered(program: (activation: Record<string, unknown>) => unknown, activation: Record<string, unknown>, limit = perCallLimit): MeteredResult {
  const meter = newMeter(limit);
  let value: unknown;
  try {
    value = runRoot(program, activation, meter);
  } catch (e) {
    return failed(e, meter);
  }
  if (value instanceof Promise) throw new TypeError('asynchronous CEL evaluation: use evaluateMeteredAsync');
  return meter.exceeded ? failed(undefined, meter) : { ok: true, value, cost: meter.cost };
}

/** evaluateMetered for programs that may be asynchronous. */
export async function evaluateMeteredAsync(program: (activation: Record<string, unknown>) => unknown, activation: Record<string, unknown>, limit = perCallLimit): Promise<MeteredResult> {
  const meter = newMeter(limit);
  let value: unknown;
  try {
    value = await runRoot(program, activation, meter);
  } catch (e) {
    return failed(e, meter);
  }
  return meter.exceeded ? failed(undefined, meter) : { ok: true, value, cost: meter.cost };
}
