// Type checking of a ValidatingAdmissionPolicy's expressions against the schemas of the kinds it matches (what
// kube-apiserver writes to status.typeChecking): `object` and `oldObject` are typed from the kind's OpenAPI
// definition, everything else stays dynamic. Only references to fields the schema does not have are reported, as
// kube-apiserver words them (`<group/version>, Kind=<Kind>: ERROR: <input>:1:12: undefined field 'replica'`
// followed by the expression line and a caret line); other type errors are left to evaluation.
import { Environment } from '@marcbachmann/cel-js';
import { definition, refTarget } from '../openapi/definitions.js';
import { withAuthzLibrary } from './authz.js';

type Schema = Record<string, unknown>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** CEL's reserved words; Kubernetes offers such properties as `__<word>__` (both spellings are declared here). */
const reserved = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);
const maxTypes = 2000;

/** One environment per root definition, with a CEL object type per definition it reaches. */
class TypedEnvironment {
  #env: Environment;
  readonly #types = new Map<string, string>();
  readonly #visiting = new Set<string>();
  #inline = 0;

  constructor(root: string) {
    this.#env = new Environment({ unlistedVariablesAreDyn: false, homogeneousAggregateLiterals: false, enableOptionalTypes: true, limits: { maxAstNodes: 10000, maxDepth: 100 } });
    const type = this.#definitionType(root);
    for (const v of ['object', 'oldObject']) this.#env = this.#env.registerVariable(v, type);
    for (const v of ['request', 'params', 'namespaceObject', 'variables']) this.#env = this.#env.registerVariable(v, 'dyn');
    this.#env = withAuthzLibrary(this.#env);
  }

  get env(): Environment {
    return this.#env;
  }

  /** The CEL type of a definition: an object type with its properties, registered once (dyn in cycles). */
  #definitionType(name: string): string {
    const known = this.#types.get(name);
    if (known) return known;
    const schema = definition(name);
    if (!schema || this.#visiting.has(name) || this.#types.size >= maxTypes) return 'dyn';
    this.#visiting.add(name);
    try {
      return this.#objectType(`k8s_${this.#inline++}`, schema, name);
    } finally {
      this.#visiting.delete(name);
    }
  }

  #objectType(typeName: string, schema: Schema, definitionName?: string): string {
    const props = isRecord(schema['properties']) ? schema['properties'] : undefined;
    if (!props || schema['x-kubernetes-preserve-unknown-fields'] === true) return isRecord(schema['additionalProperties']) ? `map<string, ${this.#schemaType(schema['additionalProperties'])}>` : 'dyn';
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(props)) {
      if (!identifier.test(k)) continue;
      const t = this.#schemaType(v);
      Object.defineProperty(fields, k, { value: t, enumerable: true });
      if (reserved.has(k)) Object.defineProperty(fields, `__${k}__`, { value: t, enumerable: true });
    }
    // apiVersion and kind are readable on every object (the definitions of some kinds omit them)
    for (const k of ['apiVersion', 'kind']) if (!Object.hasOwn(fields, k)) Object.defineProperty(fields, k, { value: 'string', enumerable: true });
    this.#env = this.#env.registerType(typeName, { fields });
    if (definitionName) this.#types.set(definitionName, typeName);
    return typeName;
  }

  #schemaType(raw: unknown): string {
    if (!isRecord(raw)) return 'dyn';
    const ref = refTarget(raw['$ref']);
    if (ref) return this.#definitionType(ref);
    if (raw['x-kubernetes-int-or-string'] === true || raw['format'] !== undefined) return 'dyn';
    switch (raw['type']) {
      case 'string':
        return 'string';
      case 'boolean':
        return 'bool';
      case 'integer':
        return 'int';
      case 'number':
        return 'double';
      case 'array':
        return `list<${this.#schemaType(raw['items'])}>`;
      case 'object':
        if (isRecord(raw['properties'])) return this.#objectType(`k8s_${this.#inline++}`, raw);
        return isRecord(raw['additionalProperties']) ? `map<string, ${this.#schemaType(raw['additionalProperties'])}>` : 'dyn';
      default:
        return 'dyn';
    }
  }
}

const environments = new Map<string, TypedEnvironment | undefined>();

function environmentFor(definitionName: string): TypedEnvironment | undefined {
  if (environments.has(definitionName)) return environments.get(definitionName);
  let env: TypedEnvironment | undefined;
  try {
    env = definition(definitionName) ? new TypedEnvironment(definitionName) : undefined;
  } catch {
    env = undefined;
  }
  if (environments.size > 200) environments.clear();
  environments.set(definitionName, env);
  return env;
}

/**
 * The undefined-field issues of `expression` against the kind of `definitionName`, in cel-go's words, or
 * undefined when it finds none (or the expression does not parse: that is validation's business).
 */
export function undefinedFieldIssues(definitionName: string, expression: string): string | undefined {
  const env = environmentFor(definitionName);
  if (!env) return undefined;
  let checked: { valid: boolean; error?: { message?: string } };
  try {
    checked = env.env.check(expression) as typeof checked;
  } catch {
    return undefined;
  }
  if (checked.valid) return undefined;
  const message = checked.error?.message ?? '';
  const m = /^No such key: (\S+)/.exec(message);
  if (!m) return undefined;
  const lines = message.split('\n');
  const srcIndex = lines.findIndex((l) => /^>\s+\d+ \| /.test(l));
  const caretLine = srcIndex >= 0 ? lines[srcIndex + 1] : undefined;
  const bar = srcIndex >= 0 ? lines[srcIndex]!.indexOf('| ') + 2 : -1;
  const lineNo = srcIndex >= 0 ? Number(/^>\s+(\d+)/.exec(lines[srcIndex]!)?.[1] ?? '1') : 1;
  let offset = caretLine !== undefined && bar > 0 ? caretLine.indexOf('^') - bar : -1;
  const sourceLine = expression.split('\n')[lineNo - 1] ?? expression;
  if (offset < 0) offset = sourceLine.indexOf(`.${m[1]}`) + 1;
  // cel-go places a field selection at its dot
  if (offset > 0 && sourceLine[offset - 1] === '.') offset -= 1;
  return `ERROR: <input>:${lineNo}:${offset + 1}: undefined field '${m[1]}'\n | ${sourceLine}\n | ${'.'.repeat(Math.max(0, offset))}^`;
}
