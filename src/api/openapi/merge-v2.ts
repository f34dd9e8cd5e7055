// The /openapi/v2 document with the documents of aggregated backends merged in, as kube-aggregator merges them:
// a backend contributes only the paths of its own group/version (`/apis/<group>/<version>/…`), and only the
// definitions and parameters those paths reach; a path this document already has stays as it is; a definition
// (or parameter) of the same name is shared when equal and otherwise renamed `<name>_v2`, `_v3`, … with every
// reference to it rewritten. Backends are merged in the order given (kube-aggregator's: group priority, then
// version priority). A backend's document comes from another server: it is read as untrusted JSON, its depth
// bounded and its keys kept as own keys.
import { deepEqual } from '../deep-equal.js';
import { exceedsDepth } from '../json-depth.js';
import { isRecord } from '../object.js';
import { getOwn, setOwn } from '../own.js';

type Json = Record<string, unknown>;

export interface BackendOpenapiV2 {
  group: string;
  version: string;
  /** The backend's /openapi/v2 document as parsed JSON. */
  spec: unknown;
}

const definitionPrefix = '#/definitions/';
const parameterPrefix = '#/parameters/';

/** Every `$ref` string in a value, in document order (iterative; depth is checked before). */
function refsIn(value: unknown, out: string[]): void {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
    } else if (isRecord(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string') out.push(x);
        else stack.push(x);
      }
    }
  }
}

/** A copy of a value with each `$ref` rewritten by `rename` (unchanged when it gives undefined). */
function withRefs(value: unknown, rename: (ref: string) => string | undefined): unknown {
  if (Array.isArray(value)) return value.map((x) => withRefs(x, rename));
  if (!isRecord(value)) return value;
  const out: Json = {};
  for (const [k, x] of Object.entries(value)) setOwn(out, k, k === '$ref' && typeof x === 'string' ? (rename(x) ?? x) : withRefs(x, rename));
  return out;
}

/** The definitions and parameters reachable from `roots` through references, by their section. */
function reachable(roots: unknown[], definitions: Json, parameters: Json): { definitions: Set<string>; parameters: Set<string> } {
  const used = { definitions: new Set<string>(), parameters: new Set<string>() };
  const pending: unknown[] = [...roots];
  while (pending.length > 0) {
    const refs: string[] = [];
    refsIn(pending.pop(), refs);
    for (const ref of refs) {
      const [section, prefix, from] = ref.startsWith(definitionPrefix) ? [used.definitions, definitionPrefix, definitions] as const : ref.startsWith(parameterPrefix) ? [used.parameters, parameterPrefix, parameters] as const : [undefined, '', {}] as const;
      if (!section) continue;
      const name = ref.slice(prefix.length);
      if (section.has(name) || !Object.hasOwn(from, name)) continue;
      section.add(name);
      pending.push(from[name]);
    }
  }
  return used;
}

/** The name under which a backend's entry joins `into`: its own when free or equal, else the first free `_vN`. */
function nameFor(name: string, value: unknown, into: Json, backendNames: Json): string {
  if (!Object.hasOwn(into, name) || deepEqual(into[name], value)) return name;
  for (let i = 2; ; i++) {
    const candidate = `${name}_v${i}`;
    if (!Object.hasOwn(into, candidate) && !Object.hasOwn(backendNames, candidate)) return candidate;
  }
}

const record = (v: unknown): Json => (isRecord(v) ? v : {});

/** `local` (not changed) with every backend's paths, definitions and parameters merged in. */
export function mergeOpenapiV2(local: Json, backends: readonly BackendOpenapiV2[]): Json {
  if (backends.length === 0) return local;
  const paths: Json = { ...record(local['paths']) };
  const definitions: Json = { ...record(local['definitions']) };
  const parameters: Json = { ...record(local['parameters']) };
  for (const b of backends) {
    if (!isRecord(b.spec) || exceedsDepth(b.spec)) continue;
    const prefix = `/apis/${b.group}/${b.version}/`;
    const theirPaths = Object.entries(record(b.spec['paths'])).filter(([p]) => p.startsWith(prefix) && !Object.hasOwn(paths, p));
    if (theirPaths.length === 0) continue;
    const theirDefinitions = record(b.spec['definitions']);
    const theirParameters = record(b.spec['parameters']);
    const used = reachable(theirPaths.map(([, item]) => item), theirDefinitions, theirParameters);
    const renames = new Map<string, string>();
    for (const name of used.definitions) {
      const to = nameFor(name, getOwn(theirDefinitions, name), definitions, theirDefinitions);
      if (to !== name) renames.set(`${definitionPrefix}${name}`, `${definitionPrefix}${to}`);
    }
    for (const name of used.parameters) {
      const to = nameFor(name, getOwn(theirParameters, name), parameters, theirParameters);
      if (to !== name) renames.set(`${parameterPrefix}${name}`, `${parameterPrefix}${to}`);
    }
    const rename = (ref: string) => renames.get(ref);
    const add = (into: Json, prefix: string, names: Set<string>, from: Json) => {
      for (const name of names) {
        const to = (renames.get(`${prefix}${name}`) ?? `${prefix}${name}`).slice(prefix.length);
        if (!Object.hasOwn(into, to)) setOwn(into, to, withRefs(from[name], rename));
      }
    };
    add(definitions, definitionPrefix, used.definitions, theirDefinitions);
    add(parameters, parameterPrefix, used.parameters, theirParameters);
    for (const [p, item] of theirPaths) setOwn(paths, p, withRefs(item, rename));
  }
  const out: Json = { ...local, paths, definitions };
  if (Object.keys(parameters).length > 0) out['parameters'] = parameters;
  return out;
}
