// What the v2 and v3 documents share: the definitions they include and the texts for top-level kinds.
import type { ResourceInfo } from '../resource-info.js';
import { definition, definitionForKind, gvkList, referenceClosure, type Schema } from './definitions.js';
import { endpointDefinitions, type PathSpec } from './endpoints.js';

const metaDefinitions = [
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIGroup',
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIGroupList',
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList',
  'io.k8s.apimachinery.pkg.apis.meta.v1.APIVersions',
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Patch',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
  'io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent',
];

/** The definitions a document over these paths needs: served kinds, their lists, bodies, responses and all they reference. */
export function neededDefinitions(paths: readonly PathSpec[], resources: readonly ResourceInfo[], groupVersionPath?: string): string[] {
  const roots = new Set<string>(endpointDefinitions(paths));
  for (const r of resources) {
    const gv = r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
    if (groupVersionPath !== undefined && gv !== groupVersionPath) continue;
    roots.add(r.definition);
    const list = definitionForKind({ group: r.group, version: r.version, kind: r.listKind });
    if (list) roots.add(list);
  }
  if (groupVersionPath === undefined) for (const m of metaDefinitions) roots.add(m);
  return referenceClosure(roots);
}

/** A definition as published: a-kube's own one-line description added to top-level kinds. */
export function publishedDefinition(name: string): Schema {
  const schema = definition(name) ?? {};
  const gvk = gvkList(schema)[0];
  if (!gvk || schema['description'] !== undefined) return schema;
  const gv = gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`;
  const text = gvk.kind.endsWith('List') ? `${gvk.kind} is a list of ${gvk.kind.slice(0, -4)} objects (${gv}).` : `${gvk.kind} is an API object of ${gv}.`;
  return { description: text, ...schema };
}
