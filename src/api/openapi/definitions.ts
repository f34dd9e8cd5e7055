// The OpenAPI definitions a-kube ships (src/api/generated/definitions.json) and the lookups built on them.
import { metricsDefinitions } from './metrics-definitions.js';
import { catalog } from '../catalog.js';
import { loadGenerated } from '../generated-data.js';
import { isRecord } from '../object.js';

/** One OpenAPI v2 schema node: JSON-ready, read-only. */
export type Schema = Readonly<Record<string, unknown>>;

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

interface DefinitionsFile {
  definitions: Record<string, Schema>;
}

const refPrefix = '#/definitions/';

let withServed: Readonly<Record<string, Schema>> | undefined;

export function allDefinitions(): Readonly<Record<string, Schema>> {
  withServed ??= { ...loadGenerated<DefinitionsFile>('definitions.json').definitions, ...servedButDropped(), ...metricsDefinitions };
  return withServed;
}

/**
 * Served versions that the Kubernetes release our definitions come from no longer publishes (authentication.k8s.io/v1beta1
 * SelfSubjectReview, kept for kubectl 1.27's `auth whoami`): the same kind's schema from a sibling version of its
 * group, carrying the served group/version/kind. Their schemas did not change between those versions.
 */
function servedButDropped(): Record<string, Schema> {
  const published = loadGenerated<DefinitionsFile>('definitions.json').definitions;
  const out: Record<string, Schema> = {};
  for (const r of catalog) {
    if (published[r.definition]) continue;
    const sibling = Object.keys(published).find((name) => gvkList(published[name]).some((g) => g.group === r.group && g.kind === r.kind));
    if (sibling) out[r.definition] = { ...published[sibling], 'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.kind, version: r.version }] };
  }
  return out;
}

/**
 * Definitions added at run time (custom resources' schemas, named like "com.example.stable.v1.CronTab"): the same
 * lookups serve them as the built-in ones, so every schema reader (OpenAPI, unknown fields, apply) works for both.
 */
const custom = new Map<string, Schema>();

export function setCustomDefinition(name: string, schema: Schema | undefined): void {
  if (schema === undefined) custom.delete(name);
  else custom.set(name, schema);
  byGvk = undefined;
}

/** Whether the definition was added at run time (a custom resource's). */
export function isCustomDefinition(name: string): boolean {
  return custom.has(name);
}

export function definition(name: string): Schema | undefined {
  return custom.get(name) ?? allDefinitions()[name];
}

/** "#/definitions/io.k8s.api.core.v1.Pod" → "io.k8s.api.core.v1.Pod" (undefined for any other reference). */
export function refTarget(ref: unknown): string | undefined {
  return typeof ref === 'string' && ref.startsWith(refPrefix) ? ref.slice(refPrefix.length) : undefined;
}

export function refTo(name: string): { $ref: string } {
  return { $ref: `${refPrefix}${name}` };
}

export function gvkKey(gvk: GroupVersionKind): string {
  return `${gvk.group}/${gvk.version}/${gvk.kind}`;
}

export function gvkList(schema: Schema | undefined): GroupVersionKind[] {
  const raw = schema?.['x-kubernetes-group-version-kind'];
  if (!Array.isArray(raw)) return [];
  return raw.filter(isRecord).map((g) => ({ group: String(g['group'] ?? ''), version: String(g['version'] ?? ''), kind: String(g['kind'] ?? '') }));
}

let byGvk: Map<string, string> | undefined;

/** The definition that carries this group/version/kind in its x-kubernetes-group-version-kind. */
export function definitionForKind(gvk: GroupVersionKind): string | undefined {
  if (!byGvk) {
    byGvk = new Map();
    for (const [name, schema] of [...custom, ...Object.entries(allDefinitions())]) {
      for (const g of gvkList(schema)) if (!byGvk.has(gvkKey(g))) byGvk.set(gvkKey(g), name);
    }
  }
  return byGvk.get(gvkKey(gvk));
}

/** Every definition reachable from the roots through $ref, roots included, sorted by name. */
export function referenceClosure(roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.pop();
    if (name === undefined || seen.has(name)) continue;
    const schema = definition(name);
    if (!schema) continue;
    seen.add(name);
    collectRefs(schema, pending);
  }
  return [...seen].sort();
}

function collectRefs(node: unknown, out: string[], underProperties = false): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, out);
  } else if (isRecord(node)) {
    const target = underProperties ? undefined : refTarget(node['$ref']);
    if (target) out.push(target);
    for (const [key, value] of Object.entries(node)) {
      // default values and enums are data, not schema (but a property may be named "default" or "enum")
      if (underProperties || (key !== 'default' && key !== 'enum')) collectRefs(value, out, !underProperties && key === 'properties');
    }
  }
}
