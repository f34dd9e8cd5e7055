// CEL for admission: the expressions of webhooks' matchConditions and of ValidatingAdmissionPolicies. One
// environment per use (webhook match conditions see object, oldObject, request and authorizer; policies also
// params, namespaceObject and variables), compiled programs cached by text, JSON values turned into CEL values
// (integers become int). The engine is @marcbachmann/cel-js, as for CustomResourceDefinitions' rules; the
// authorizer's checks are asynchronous, so evaluation is too.
import { Environment } from '@marcbachmann/cel-js';
import { isRecord } from '../object.js';
import { withAuthzLibrary } from './authz.js';

export type AdmissionCelEnv = 'webhook' | 'policy';

const limits = { maxAstNodes: 10000, maxDepth: 100, maxListElements: 1000, maxMapEntries: 1000, maxCallArguments: 32 };

function makeEnv(names: string[]): Environment {
  let env = new Environment({ unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false, enableOptionalTypes: true, limits });
  for (const n of names) env = env.registerVariable(n, 'dyn');
  return withAuthzLibrary(env);
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
    const program = env.parse(expression) as unknown as CelProgram;
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

/** Runs a compiled expression; a thrown evaluation error becomes an Error with the engine's first line. */
export async function evaluate(envName: AdmissionCelEnv, expression: string, activation: Record<string, unknown>): Promise<unknown> {
  const c = compileAdmissionExpression(envName, expression);
  if (!c.program) throw new Error(c.error ?? 'compilation failed');
  try {
    return await c.program(activation);
  } catch (e) {
    throw new Error(firstLine(e instanceof Error ? e.message : String(e)));
  }
}
