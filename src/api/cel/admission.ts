// CEL for admission: the expressions of webhooks' matchConditions and of ValidatingAdmissionPolicies. One
// environment per use (webhook match conditions see object, oldObject, request and authorizer; policies also
// params, namespaceObject and variables), compiled programs cached by text, JSON values turned into CEL values
// (integers become int). The engine is @marcbachmann/cel-js, as for CustomResourceDefinitions' rules; the
// authorizer's checks are asynchronous, so evaluation is too. Each evaluation has Kubernetes' per-call cost
// limit and may draw on a budget shared with the other expressions of the same webhook or binding (cost.ts).
import { Environment } from '@marcbachmann/cel-js';
import { isRecord } from '../object.js';
import { withAuthzLibrary } from './authz.js';
import { evaluateMeteredAsync, meterEnvironment, outOfBudgetMessage, parseMetered, perCallLimit } from './cost.js';

export type AdmissionCelEnv = 'webhook' | 'policy';

const limits = { maxAstNodes: 10000, maxDepth: 100, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 };

function makeEnv(names: string[]): Environment {
  let env = new Environment({ unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false, enableOptionalTypes: true, limits });
  for (const n of names) env = env.registerVariable(n, 'dyn');
  return meterEnvironment(withAuthzLibrary(env));
}

const envs: Record<AdmissionCelEnv, Environment> = {
  webhook: makeEnv(['object', 'oldObject', 'request']),
  policy: makeEnv(['object', 'oldObject', 'request', 'params', 'namespaceObject', 'variables']),
};

export type CelProgram = (activation: Record<string, unknown>) => unknown;

interface Compiled {
  program?: CelProgram;
  /** The type the checker infers ("bool", "string", "dyn", ...). */
  type?: string;
  error?: string;
}

const cache = new Map<string, Compiled>();

/** Parses and type-checks an expression; errors are worded as Kubernetes' validation reports them. */
export function compileAdmissionExpression(envName: AdmissionCelEnv, expression: string): Compiled {
  const key = `${envName}\u0000${expression}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const env = envs[envName];
  let out: Compiled;
  try {
    const program = parseMetered(env, expression) as unknown as CelProgram;
    const checked = env.check(expression) as { valid: boolean; type?: string; error?: { message?: string } };
    out = checked.valid ? { program, type: String(checked.type ?? 'dyn') } : { error: `compilation failed: ERROR: <input>: ${firstLine(checked.error?.message ?? 'type error')}` };
  } catch (e) {
    out = { error: `compilation failed: ERROR: <input>: ${firstLine(e instanceof Error ? e.message : String(e))}` };
  }
  if (cache.size > 5000) cache.clear();
  cache.set(key, out);
  return out;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** The compile error of an expression that must produce `want`, or undefined when it is fine. */
export function expressionError(envName: AdmissionCelEnv, expression: string, want: 'bool' | 'string' | 'any'): string | undefined {
  const c = compileAdmissionExpression(envName, expression);
  if (c.error) return c.error;
  if (want !== 'any' && c.type !== want && c.type !== 'dyn') return `must evaluate to ${want}`;
  return undefined;
}

/** JSON → CEL: integral numbers become int (bigint); keys are defined as own properties only. */
export function toCelValue(v: unknown, depth = 0): unknown {
  if (depth > 200) return null;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map((x) => toCelValue(x, depth + 1));
  if (isRecord(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: toCelValue(x, depth + 1), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/** The cost left to the expressions of one webhook's match conditions, or one binding's validations. */
export interface CostBudget {
  remaining: number;
}

/** The budget ran out: no further expression of this webhook or binding is evaluated. */
export class OutOfBudgetError extends Error {
  override name = 'OutOfBudgetError';
  constructor() {
    super(outOfBudgetMessage);
  }
}

/**
 * Runs a compiled expression under the per-call cost limit, charging its cost to the budget when one is given
 * (OutOfBudgetError once the budget cannot pay it); an evaluation error becomes an Error with the engine's first
 * line (cel-go's `operation cancelled: actual cost limit exceeded` past the per-call limit).
 */
export async function evaluate(envName: AdmissionCelEnv, expression: string, activation: Record<string, unknown>, budget?: CostBudget): Promise<unknown> {
  const c = compileAdmissionExpression(envName, expression);
  if (!c.program) throw new Error(c.error ?? 'compilation failed');
  if (budget && budget.remaining <= 0) throw new OutOfBudgetError();
  const run = await evaluateMeteredAsync(c.program, activation, perCallLimit);
  if (budget) {
    if (run.cost > budget.remaining) {
      budget.remaining = -1;
      throw new OutOfBudgetError();
    }
    budget.remaining -= run.cost;
  }
  if (!run.ok) throw new Error(firstLine(run.error.message));
  return run.value;
}
